import type { CleanupCategory } from '../../api/types.js';
import { bytes, count } from '../../lib/format.js';
import { Badge, type Tone } from '../../ui/badge.js';

/** One colour per kind of stale entry, the same in the preview and in the logs. */
const CATEGORY_TONE: Record<string, Tone> = {
  tokens: 'blue',
  'token-indexes': 'teal',
  'active-user-indexes': 'purple',
  'ban-index': 'red',
  'session-indexes': 'amber',
  'cleanup-log-index': 'grey',
  audit: 'neutral',
};

export function CategoryBadge({ category }: { category: string }) {
  return <Badge tone={CATEGORY_TONE[category] ?? 'neutral'}>{category}</Badge>;
}

export function CategoryTable({ categories, label }: { categories: CleanupCategory[]; label: string }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Category</th>
            <th scope="col">What</th>
            <th scope="col" class="cell-num">
              Entries
            </th>
            <th scope="col" class="cell-num">
              Memory
            </th>
          </tr>
        </thead>
        <tbody>
          {categories.map((c) => (
            <tr key={c.category}>
              <th scope="row">
                <CategoryBadge category={c.category} />
              </th>
              <td>{c.description}</td>
              <td class="cell-num">{count(c.count)}</td>
              <td class="cell-num">{bytes(c.bytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
