import { TokenDto } from './token.dto.js';

export class TokenListDto {
  /** The caller's active tokens, soonest expiry first. */
  items: TokenDto[];
  /** Always null: a user holds at most TOKENS_PER_USER_MAX tokens, listed in one page. */
  next_cursor: string | null;
  total: number;
  /** TOKENS_PER_USER_MAX. */
  max_tokens: number;
}
