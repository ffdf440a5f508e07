import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { TOKEN_ID } from '../../common/ids.js';

export class AdminTokenIdParamDto {
  /** @example "3q2-7wRk9XyZa1b2c3d4e5f6" */
  @ApiProperty({ pattern: TOKEN_ID.source })
  @Matches(TOKEN_ID, { message: 'token_id is not a token id' })
  token_id: string;
}
