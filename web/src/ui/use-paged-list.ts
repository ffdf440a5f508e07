import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../api/types.js';

export interface PagedList<P> {
  /** The page shown (kept while the next one loads, so the table does not jump). */
  page: P | null;
  loading: boolean;
  error: unknown;
  /** 1-based number of the page shown. */
  number: number;
  hasNext: boolean;
  hasPrevious: boolean;
  next(): void;
  previous(): void;
  reload(): void;
}

/**
 * Server-side paging over a cursor list: keeps the cursors of the pages walked so far (so
 * "Previous" works), restarts at the first page whenever `key` changes (a new search or filter),
 * and drops answers to requests that were superseded.
 */
export function usePagedList<T, P extends Page<T>>(
  key: string,
  load: (cursor: string | null, signal: AbortSignal) => Promise<P>,
): PagedList<P> {
  // The cursors walked so far belong to one search: another key starts again at the first page.
  const [walk, setWalk] = useState<{ key: string; cursors: Array<string | null> }>({ key, cursors: [null] });
  const cursors = walk.key === key ? walk.cursors : [null];
  // The page shown, and the search it answers (kept on screen while another one loads).
  const [shown, setShown] = useState<{ key: string; page: P } | null>(null);
  const page = shown?.page ?? null;
  const current = shown !== null && shown.key === key;
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    loadRef.current(cursor, controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return;
        setShown({ key, page: result });
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [key, cursor, generation]);

  const next = useCallback(() => {
    if (current && page?.next_cursor) setWalk({ key, cursors: [...cursors, page.next_cursor] });
  }, [current, page, key, cursors]);
  const previous = useCallback(() => setWalk({ key, cursors: cursors.length > 1 ? cursors.slice(0, -1) : cursors }), [key, cursors]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  return {
    page,
    loading,
    error,
    number: cursors.length,
    hasNext: current && Boolean(page?.next_cursor),
    hasPrevious: cursors.length > 1,
    next,
    previous,
    reload,
  };
}
