import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Paging and search shared by every admin list. */
export class ListQueryDto {
  /** The `next_cursor` of the previous page; omit for the first page. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(/^[A-Za-z0-9_-]*$/, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;

  /** Items per page, 1 to 500 (default 50). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  // A literal, not MAX_PAGE_SIZE: the swagger plugin copies literal bounds into the document.
  @Max(500)
  limit?: number;

  /**
   * Part of an email to look for, matched literally (`*`, `?`, `[`, `]` and `\` are plain characters).
   * A page may then hold fewer than `limit` items while `next_cursor` goes on: each page examines a
   * bounded part of the index.
   */
  @IsOptional()
  @IsString()
  @MaxLength(254)
  q?: string;
}

/**
 * Paging and search of the lists with a search index (active users, sessions, tokens): `q` is
 * matched at the start of the text by default, from the index, fast at any size.
 */
export class SearchListQueryDto extends ListQueryDto {
  /**
   * Text to look for, literally (`*`, `?`, `[`, `]` and `\` are plain characters), case-insensitive.
   * With `match=prefix` (the default) it matches the start of the email (or token name), from a search
   * index: the first matches come at once, in alphabetical order. With `match=contains` it matches
   * anywhere, by walking the list in its usual order: slower on big lists, and a page may then hold
   * fewer than `limit` items while `next_cursor` goes on (keep following it).
   */
  @IsOptional()
  @IsString()
  @MaxLength(254)
  declare q?: string;

  /** How `q` matches: `prefix` (default) or `contains`. */
  @IsOptional()
  @IsIn(['prefix', 'contains'])
  match?: 'prefix' | 'contains';
}
