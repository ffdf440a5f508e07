import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';
import type { TokenScope } from '../../common/authenticated-user.js';
import { MIN_TOKEN_LIFETIME_SECONDS, TOKEN_NAME, TOKEN_NAME_RULE } from '../tokens.service.js';

export class GenerateTokenDto {
  /**
   * A name to recognise the token by: 1 to 64 printable characters (no control or format characters).
   * @example "laptop claude-code"
   */
  @IsString()
  @Matches(TOKEN_NAME, { message: `token_name must be ${TOKEN_NAME_RULE}` })
  token_name: string;

  /**
   * Lifetime in seconds: at least 3600, at most TOKEN_MAX_DAYS days (default TOKEN_DEFAULT_DAYS days).
   * @example 2592000
   */
  @IsOptional()
  @IsInt()
  @Min(MIN_TOKEN_LIFETIME_SECONDS)
  expires_in?: number;

  /**
   * Scopes of the new token: `llm` always; `admin` only for an admin signed in through the browser.
   * @example ["llm"]
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsIn(['llm', 'admin'], { each: true, message: 'scopes may only hold llm and admin' })
  scopes?: TokenScope[];
}
