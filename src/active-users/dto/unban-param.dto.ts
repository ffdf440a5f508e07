import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class UnbanParamDto {
  /** @example "mallory@example.com" */
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email: string;
}
