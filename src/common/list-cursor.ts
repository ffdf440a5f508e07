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

/** The literal text a `q` search looks for: compared as plain text (prefix or substring), never a pattern. */
export function searchNeedle(q: string | undefined): string | undefined {
  if (q === undefined) return undefined;
  const needle = indexTerm(q.trim());
  return needle === '' ? undefined : needle;
}

/** How text is filed in a search index (token names; emails are canonical already): what searchNeedle compares with. */
export function indexTerm(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** How a `q` search compares: `prefix` (the default: the start of the text, from an index) or `contains`. */
export type SearchMatch = 'prefix' | 'contains';

/** A search: the normalised text and how to compare. */
export interface Search {
  readonly needle: string;
  readonly match: SearchMatch;
}

/** The search a `q` and `match` ask for, or undefined without a q. */
export function searchOf(q: string | undefined, match: SearchMatch | undefined): Search | undefined {
  const needle = searchNeedle(q);
  return needle === undefined ? undefined : { needle, match: match ?? 'prefix' };
}

/** The cursor of a prefix-search page: the last index member it handed out (score 0 marks it). */
export function lexCursor(member: string | null): ListPosition | null {
  return member === null ? null : { score: 0, member };
}

function invalid(): InvalidInputError {
  return new InvalidInputError('cursor is not valid; pass the next_cursor of a previous page');
}
