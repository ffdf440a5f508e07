/** The server's "Redis lost its data" alert (the CLI has no durability check, so it does not load this). */
import { Module } from '@nestjs/common';
import { AlertsModule } from './alerts.module.js';
import { StoreResetAlert } from './store-reset-alert.js';

@Module({
  imports: [AlertsModule],
  providers: [StoreResetAlert],
})
export class StoreResetAlertModule {}
