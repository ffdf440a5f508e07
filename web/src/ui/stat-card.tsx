import type { ComponentChildren } from 'preact';
import { count } from '../lib/format.js';

export function StatCards({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <dl class="stats" aria-label={label}>
      {children}
    </dl>
  );
}

export function StatCard({
  label,
  value,
  hint,
  tone,
}: {
  label: string;
  value: number | null | undefined;
  hint?: ComponentChildren;
  tone?: 'red' | 'amber';
}) {
  return (
    <div class={`stat${tone ? ` stat-${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd>
        <span class="stat-value">{count(value)}</span>
        {hint && <span class="stat-hint">{hint}</span>}
      </dd>
    </div>
  );
}
