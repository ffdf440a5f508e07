/** Owns the /v1 LLM proxy: authenticated, identity-stamped, streamed to UPSTREAM_URL. */
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ProxyMiddleware } from './proxy.middleware.js';

@Module({
  imports: [AuthModule],
  providers: [ProxyMiddleware],
  exports: [ProxyMiddleware],
})
export class ProxyModule {}
