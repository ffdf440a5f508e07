/**
 * Owns alerting: messages to a Slack incoming webhook, sent in the background. A ground-floor
 * service: it depends on configuration only, and features (cleanup, bans) call it.
 */
import { Module } from '@nestjs/common';
import { SlackNotifier } from './slack-notifier.service.js';

@Module({
  providers: [SlackNotifier],
  exports: [SlackNotifier],
})
export class AlertsModule {}
