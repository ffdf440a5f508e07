/**
 * Prometheus metrics: the instruments (global, on the ground floor, so auth and the proxy count
 * into them and the features register their scrape-time gauges), the shared Redis client's
 * command timings, and the admin-only /metrics route.
 */
import { Global, Module } from '@nestjs/common';
import { GatewayMetrics } from './gateway-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { RedisCommandMetrics } from './redis-command-metrics.js';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [GatewayMetrics, RedisCommandMetrics],
  exports: [GatewayMetrics],
})
export class MetricsModule {}
