/** Times a /v1 call's upstream answer (first byte, whole answer) and counts the streams live now. */
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayMetrics } from './gateway-metrics.js';

export class UpstreamCallMetrics {
  constructor(private readonly metrics: GatewayMetrics) {}

  /**
   * The upstream answered (status and headers) a call handed off at `startedAt` (performance.now()).
   * Returns whether the answer is an event stream: the caller hands it to `ended` when the call's response closes.
   */
  answered(headers: IncomingHttpHeaders, startedAt: number): boolean {
    this.metrics.upstreamFirstByte.observe((performance.now() - startedAt) / 1000);
    const stream = String(headers['content-type'] ?? '').startsWith('text/event-stream');
    if (stream) this.metrics.liveStreams.inc();
    return stream;
  }

  /** The response of a call `answered` was told of has closed, however it ended. */
  ended(startedAt: number, stream: boolean): void {
    this.metrics.upstreamDuration.observe((performance.now() - startedAt) / 1000);
    if (stream) this.metrics.liveStreams.dec();
  }
}
