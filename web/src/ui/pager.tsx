import type { PagedList } from './use-paged-list.js';

/** Previous / next over a cursor list; the page number for orientation. */
export function Pager({ list, label }: { list: PagedList<unknown>; label: string }) {
  if (!list.hasPrevious && !list.hasNext) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" class="button button-small" onClick={list.previous} disabled={!list.hasPrevious || list.loading}>
        ← Previous
      </button>
      <span class="muted">Page {list.number}</span>
      <button type="button" class="button button-small" onClick={list.next} disabled={!list.hasNext || list.loading}>
        Next →
      </button>
    </nav>
  );
}
