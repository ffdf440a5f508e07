/**
 * Owns browser sessions: the express-session middleware and its Redis store, the session record
 * and its indexes (per user, by expiry), and the admin session endpoints.
 */
import { Module } from '@nestjs/common';
import { AdminsModule } from '../admins/admins.module.js';
import { RedisSessionStore } from './redis-session.store.js';
import { SessionMiddleware } from './session.middleware.js';
import { SessionsAdminController } from './sessions-admin.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';
import { SessionCleanupRepository } from './session-cleanup.repository.js';

@Module({
  imports: [AdminsModule],
  controllers: [SessionsAdminController],
  providers: [SessionsService, SessionsRepository, RedisSessionStore, SessionMiddleware, SessionCleanupRepository],
  exports: [SessionsService, SessionMiddleware],
})
export class SessionsModule {}
