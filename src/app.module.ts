/** The gateway: feature modules plus the global guard, validation pipe and exception filter. */
import { Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ActiveUsersModule } from './active-users/active-users.module.js';
import { AdminsModule } from './admins/admins.module.js';
import { StoreResetAlertModule } from './alerts/store-reset-alert.module.js';
import { AuditInterceptor } from './audit/audit.interceptor.js';
import { AuditModule } from './audit/audit.module.js';
import { AdminGuard } from './auth/admin.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { AuthenticationGuard } from './auth/authentication.guard.js';
import { BanGuard } from './auth/ban.guard.js';
import { CsrfGuard } from './auth/csrf.guard.js';
import { StoreResetGuard } from './auth/store-reset.guard.js';
import { CleanupScheduleModule } from './cleanup/cleanup-schedule.module.js';
import { CleanupModule } from './cleanup/cleanup.module.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { ConfigModule } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { SocketDrainService } from './lifecycle/socket-drain.service.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { ProxyModule } from './proxy/proxy.module.js';
import { RedisDurabilityModule } from './redis/redis-durability.module.js';
import { RedisModule } from './redis/redis.module.js';
import { TokensModule } from './tokens/tokens.module.js';
import { WebModule } from './web/web.module.js';

@Module({
  imports: [
    ConfigModule,
    RedisModule,
    RedisDurabilityModule,
    MetricsModule,
    StoreResetAlertModule,
    TokensModule,
    ActiveUsersModule,
    AuthModule,
    ProxyModule,
    HealthModule,
    AdminsModule,
    AuditModule,
    CleanupModule,
    CleanupScheduleModule,
    OpenApiModule,
    WebModule,
  ],
  providers: [
    // Before everything: a store that lost its data closes every route but /health (issue #7).
    { provide: APP_GUARD, useClass: StoreResetGuard },
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: BanGuard },
    { provide: APP_GUARD, useClass: CsrfGuard },
    // The admin role check stays the last guard: after authentication, ban and CSRF.
    { provide: APP_GUARD, useClass: AdminGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    },
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
    SocketDrainService,
  ],
})
export class AppModule {}
