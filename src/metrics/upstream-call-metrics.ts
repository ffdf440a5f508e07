/** Times a /v1 call's upstream answer (first byte, whole answer) and counts the streams live now. */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { GatewayMetrics } from './gateway-metrics.js';

export class UpstreamCallMetrics {
  constructor(private readonly metrics: GatewayMetrics) {}

  /** The upstream answered (status and headers) a call handed off at `startedAt` (performance.now()). */
  answered(headers: IncomingHttpHeaders, res: ServerResponse, startedAt: number): void {
    const { upstreamFirstByte, upstreamDuration, liveStreams } = this.metrics;
    upstreamFirstByte.observe((performance.now() - startedAt) / 1000);
    const stream = String(headers['content-type'] ?? '').startsWith('text/event-stream');
    if (stream) liveStreams.inc();
    res.once('close', () => {
      upstreamDuration.observe((performance.now() - startedAt) / 1000);
      if (stream) liveStreams.dec();
    });
  }
}
