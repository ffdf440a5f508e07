import { useState } from 'preact/hooks';
import type { Query } from '../../api/client.js';
import { SearchBox } from '../../ui/search-box.js';

export interface ListSearch {
  q: string;
  contains: boolean;
  /** The search as query parameters (match only when asked: prefix is the gateway's default). */
  query: Query;
  /** Changes whenever the search does: restarts paging. */
  key: string;
}

export function useListSearch(): [ListSearch, (q: string) => void, (contains: boolean) => void] {
  const [q, setQ] = useState('');
  const [contains, setContains] = useState(false);
  const query: Query = { q: q || undefined, match: q && contains ? 'contains' : undefined };
  return [{ q, contains, query, key: `${q}\u0000${contains}` }, setQ, setContains];
}

/** The search field of a list, with the slower "anywhere in the text" option beside it. */
export function ListSearchBar({
  id,
  label,
  placeholder,
  search,
  onSearch,
  onContains,
}: {
  id: string;
  label: string;
  placeholder: string;
  search: ListSearch;
  onSearch: (q: string) => void;
  onContains: (contains: boolean) => void;
}) {
  return (
    <>
      <SearchBox id={id} label={label} placeholder={placeholder} onSearch={onSearch} />
      <label class="checkbox">
        <input type="checkbox" checked={search.contains} onChange={(e) => onContains(e.currentTarget.checked)} />
        Match anywhere (slower)
      </label>
    </>
  );
}
