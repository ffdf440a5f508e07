/**
 * How results look: pretty JSON for scripts (the REST API's shapes), or on a terminal the result's
 * plain fields as `key: value` lines and its lists as aligned tables.
 */
import type { Column } from './cli-command.js';
import { describeValue } from '../common/unknown-value.js';

export function renderJson(result: object): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

export function renderHuman(result: object, tables: Readonly<Record<string, readonly Column[]>> = {}): string {
  const lines: string[] = [];
  const sections: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    const columns = tables[key];
    if (Array.isArray(value) && columns !== undefined) {
      sections.push(renderTable(key, value as Array<Record<string, unknown>>, columns));
    } else if (isPlainObject(value)) {
      for (const [sub, subValue] of Object.entries(value)) lines.push(`${key}.${sub}: ${cell(subValue)}`);
    } else {
      lines.push(`${key}: ${cell(value)}`);
    }
  }
  return [lines.join('\n'), ...sections].filter((part) => part !== '').join('\n\n') + '\n';
}

function renderTable(title: string, rows: ReadonlyArray<Record<string, unknown>>, columns: readonly Column[]): string {
  if (rows.length === 0) return `${title}: none`;
  const cells = rows.map((row) => columns.map(([, field]) => cell(row[field])));
  const headers = columns.map(([header]) => header);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [`${title}:`, line(headers), ...cells.map(line)].join('\n');
}

/** One value on one line: lists joined with commas, null as "-", control characters shown escaped. */
function cell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined || value === '') text = '-';
  else if (Array.isArray(value))
    text = value.length === 0 ? '-' : value.map((v) => (isPlainObject(v) ? JSON.stringify(v) : String(v))).join(',');
  else if (isPlainObject(value)) text = JSON.stringify(value);
  else text = describeValue(value);
  // Text that came from people (names, reasons, user agents) must not move the terminal's cursor.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
