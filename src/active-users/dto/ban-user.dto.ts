import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class BanUserDto {
  /**
   * The person to ban; they need not have been seen before.
   * @example "mallory@example.com"
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  user_email: string;

  /**
   * Why; shown in the ban list and the audit trail.
   * @example "shared their token publicly"
   */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
