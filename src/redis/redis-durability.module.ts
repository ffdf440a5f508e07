/**
 * The server's watch over its Redis's durability (boot refusal, lost-data detection). The server
 * only: the CLI shares the Redis provider but neither refuses to run nor watches.
 */
import { Global, Module } from '@nestjs/common';
import { RedisDurabilityService } from './redis-durability.service.js';

@Global()
@Module({
  providers: [RedisDurabilityService],
  exports: [RedisDurabilityService],
})
export class RedisDurabilityModule {}
