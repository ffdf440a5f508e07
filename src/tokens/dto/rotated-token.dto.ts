import type { RotatedToken } from '../tokens.service.js';
import { IssuedTokenDto } from './issued-token.dto.js';

/** The token that replaces the caller's; `token` is shown this once. */
export class RotatedTokenDto extends IssuedTokenDto {
  /** The id of the token it replaces (the caller's). */
  replaces_token_id: string;
  /** When the replaced token stops working (ISO 8601): TOKEN_ROTATION_GRACE_SECONDS from now, or its own expiry if sooner. */
  replaced_token_valid_until: string;

  static override from(rotated: RotatedToken): RotatedTokenDto {
    return {
      ...IssuedTokenDto.from(rotated),
      replaces_token_id: rotated.previous.tokenId,
      replaced_token_valid_until: new Date(rotated.previous.validUntil).toISOString(),
    };
  }
}
