import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RotateTokenDto {
  /**
   * Lifetime of the new token in days: at most TOKEN_MAX_DAYS (default TOKEN_DEFAULT_DAYS).
   * @example 30
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  days?: number;
}
