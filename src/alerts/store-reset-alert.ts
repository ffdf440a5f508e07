/**
 * Sends the "Redis lost its data" alert when the durability check (redis/) finds an emptied
 * Redis: alerts subscribes to the ground floor's event, so redis/ never imports alerts.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { RedisDurabilityService } from '../redis/redis-durability.service.js';
import { SlackNotifier } from './slack-notifier.service.js';

@Injectable()
export class StoreResetAlert implements OnModuleInit {
  constructor(
    private readonly durability: RedisDurabilityService,
    private readonly notifier: SlackNotifier,
  ) {}

  onModuleInit(): void {
    this.durability.onStoreReset((details) => this.notifier.redisDataLost(details));
  }
}
