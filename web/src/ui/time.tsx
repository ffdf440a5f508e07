import { localTime, relativeTime } from '../lib/format.js';

/** A point in time in the viewer's zone with a relative hint: "12 Mar 2026, 14:05 (in 6 days)". */
export function Time({ iso, empty = 'never' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <span class="muted">{empty}</span>;
  return (
    <time dateTime={iso} title={iso}>
      {localTime(iso)} <span class="muted nowrap">({relativeTime(iso)})</span>
    </time>
  );
}
