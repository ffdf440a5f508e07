import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** One admin, by email. */
export class AdminEmailDto {
  /**
   * The admin's email (canonicalised: trimmed, lower-cased).
   * @example "carol@example.com"
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email: string;
}
