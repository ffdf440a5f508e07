/** Expandable, scrollable JSON of a value (rendered as text, never as markup). */
export function JsonView({ value, summary }: { value: unknown; summary: string }) {
  return (
    <details class="json">
      <summary>{summary}</summary>
      <pre class="scroll" tabIndex={0}>
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}
