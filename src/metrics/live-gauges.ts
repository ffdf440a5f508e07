/**
 * What is live now, as gauges counted when Prometheus scrapes: each count is one or two ZCOUNTs on
 * an expiry-scored index, done by the feature that owns the keys; this file only names the gauges.
 */
import type { GatewayMetrics } from './gateway-metrics.js';

export interface LiveCounts {
  bansActive(): Promise<number>;
  tokensLive(): Promise<number>;
  sessionsLive(): Promise<number>;
}

export function registerLiveGauges(metrics: GatewayMetrics, counts: LiveCounts): void {
  metrics.addScrapeGauge('llmgw_bans_active', 'Bans running now', () => counts.bansActive());
  metrics.addScrapeGauge('llmgw_tokens_live', "API tokens neither expired nor revoked (a banned owner's included)", () =>
    counts.tokensLive(),
  );
  metrics.addScrapeGauge('llmgw_sessions_live', 'Browser sessions not yet ended', () => counts.sessionsLive());
}
