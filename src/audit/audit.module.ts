/**
 * Owns the audit trail: a Redis stream of admin actions (actor, action, target, time, request id,
 * outcome), trimmed by AUDIT_RETENTION_DAYS. AuditInterceptor (registered in app.module.ts) fills it from @Audited.
 */
import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { AuditCleanupRepository } from './audit-cleanup.repository.js';

@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditRepository, AuditCleanupRepository],
  exports: [AuditService],
})
export class AuditModule {}
