/**
 * The opaque `cursor` of every admin list: where the previous page stopped in its index, as
 * base64url JSON. Anything that does not decode to a position is refused (400), never guessed at.
 */
import { InvalidInputError } from './domain-errors.js';

export interface ListPosition {
  readonly score: number;
  readonly member: string;
}

/** Every list answers this shape, plus a summary of its own. */
export interface ListPage<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

const MAX_MEMBER_LENGTH = 512;

export function encodeCursor(position: ListPosition | null): string | null {
  if (position === null) return null;
  return Buffer.from(JSON.stringify({ s: position.score, m: position.member })).toString('base64url');
}

/** The position a cursor names, or null for the first page. Throws InvalidInputError on a bad cursor. */
export function decodeCursor(cursor: string | undefined): ListPosition | null {
  if (cursor === undefined || cursor === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof value !== 'object' || value === null) throw invalid();
  const { s, m } = value as { s?: unknown; m?: unknown };
  if (typeof s !== 'number' || !Number.isFinite(s) || typeof m !== 'string' || m.length === 0 || m.length > MAX_MEMBER_LENGTH) {
    throw invalid();
  }
  return { score: s, member: m };
}

/** The literal text a `q` search looks for in emails: compared as a plain substring, never a pattern. */
export function searchNeedle(q: string | undefined): string | undefined {
  if (q === undefined) return undefined;
  const needle = q.trim().normalize('NFKC').toLowerCase();
  return needle === '' ? undefined : needle;
}

function invalid(): InvalidInputError {
  return new InvalidInputError('cursor is not valid; pass the next_cursor of a previous page');
}
