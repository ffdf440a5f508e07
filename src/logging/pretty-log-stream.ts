/**
 * LOG_FORMAT=pretty: the same (already redacted) JSON lines, printed for a person at a terminal:
 *   12:00:01.123 INFO  [Access] POST /v1/chat/completions 200 (upstream 200) 812 ms request_id=... user=a@b.c
 */
import type { DestinationStream } from 'pino';
import { describeValue } from '../common/unknown-value.js';

const COLOURS: Record<string, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '35' };
const SHOWN_FIRST = new Set(['time', 'level', 'context', 'msg', 'method', 'path', 'status', 'upstream_status', 'duration_ms']);

export function prettyLogStream(sink: DestinationStream): DestinationStream {
  const colour = (sink as { isTTY?: boolean }).isTTY ?? process.stdout.isTTY === true;
  return {
    write(line: string): void {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        sink.write(line);
        return;
      }
      sink.write(`${formatEntry(entry, colour)}\n`);
    },
  };
}

export function formatEntry(entry: Record<string, unknown>, colour = false): string {
  const level = describeValue(entry.level ?? 'info');
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const label = level.toUpperCase().padEnd(5);
  const parts = [time, colour ? `\u001b[${COLOURS[level] ?? '0'}m${label}\u001b[0m` : label];
  if (entry.context !== undefined) parts.push(`[${describeValue(entry.context)}]`);
  if (entry.method !== undefined) parts.push(`${describeValue(entry.method)} ${describeValue(entry.path ?? '')}`);
  if (entry.status !== undefined) parts.push(describeValue(entry.status));
  if (entry.upstream_status !== undefined && entry.upstream_status !== null)
    parts.push(`(upstream ${describeValue(entry.upstream_status)})`);
  if (entry.duration_ms !== undefined) parts.push(`${describeValue(entry.duration_ms)} ms`);
  if (entry.msg !== undefined) parts.push(describeValue(entry.msg));
  const rest = Object.entries(entry)
    .filter(([key, value]) => !SHOWN_FIRST.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  if (rest.length > 0) parts.push(rest.join(' '));
  return parts.filter((part) => part !== '').join(' ');
}
