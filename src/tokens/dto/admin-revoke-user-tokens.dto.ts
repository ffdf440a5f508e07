import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class AdminRevokeUserTokensDto {
  /** @example "alice@example.com" */
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  user_email: string;

  /**
   * Kept on each tombstone.
   * @example "laptop stolen"
   */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
