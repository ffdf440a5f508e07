import { localTime, relativeTime, shortTime } from '../lib/format.js';

/**
 * A point in time in the viewer's zone with a relative hint: "12 Mar 2026, 14:05 (in 6 days)";
 * `short` (tables) leaves out today's date and the current year. The full time is in the tooltip.
 */
export function Time({ iso, empty = 'never', short = false }: { iso: string | null | undefined; empty?: string; short?: boolean }) {
  if (!iso) return <span class="muted">{empty}</span>;
  return (
    <time dateTime={iso} title={localTime(iso)}>
      <span class="nowrap">{short ? shortTime(iso) : localTime(iso)}</span> <span class="muted nowrap">({relativeTime(iso)})</span>
    </time>
  );
}
