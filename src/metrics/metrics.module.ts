/**
 * Prometheus metrics: the instruments (global, on the ground floor, so auth and the proxy count
 * into them and the features register their scrape-time gauges) and the admin-only /metrics route.
 */
import { Global, Module } from '@nestjs/common';
import { GatewayMetrics } from './gateway-metrics.js';
import { MetricsController } from './metrics.controller.js';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [GatewayMetrics],
  exports: [GatewayMetrics],
})
export class MetricsModule {}
