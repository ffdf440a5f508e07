import { AdminTokenDto } from './admin-token.dto.js';

export class AdminTokenRevokedDto {
  revoked: true;
  token: AdminTokenDto;
}
