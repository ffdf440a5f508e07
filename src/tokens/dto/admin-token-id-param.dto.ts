import { Matches } from 'class-validator';

export class AdminTokenIdParamDto {
  /** @example "3q2-7wRk9XyZa1b2c3d4e5f6" */
  @Matches(/^[A-Za-z0-9_-]{16,64}$/, { message: 'token_id is not a token id' })
  token_id: string;
}
