import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class LogoutUserDto {
  /** Whose browser sessions to end. @example "alice@example.com" */
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  user_email: string;
}
