/**
 * A pub/sub channel listened to on a connection of its own, with a verdict its user can trust:
 * live only while SUBSCRIBE has been answered on the current connection and the connection answers
 * its heartbeat. A connection that closes, errs or reconnects is down until SUBSCRIBE is answered
 * again. A connection can also die without closing (a network partition TCP has not noticed): the
 * subscriber PINGs every HEARTBEAT_MS, and a PING still unanswered at the next beat makes it down
 * until a reply comes (replies come in order after every message published before them, so
 * nothing published meanwhile is missed). So a message that cannot arrive is known lost within
 * about 2 x HEARTBEAT_MS.
 */
import { Inject, Injectable, type Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createSubscriber } from './redis-client.factory.js';
import { REDIS_CLIENT } from './redis.constants.js';

/** How often the subscriber proves its connection alive. */
export const HEARTBEAT_MS = 500;

export interface ChannelListener {
  onMessage(message: string): void;
  /** The subscription is confirmed and the connection answers: messages published from now on arrive. */
  onLive(): void;
  /** Messages may be missed from now on, until onLive again. */
  onDown(): void;
}

export interface ChannelSubscriptionOptions {
  readonly channel: string;
  /** The connection's name in CLIENT LIST. */
  readonly connectionName: string;
  /** Log lines begin with it (e.g. "Token invalidations"). */
  readonly label: string;
  /** What is on while the subscription is live, and off otherwise (e.g. "verified-token cache"). */
  readonly what: string;
  /** What follows while it is down (e.g. "every call reads Redis"). */
  readonly whenDown: string;
  readonly logger: Pick<Logger, 'log' | 'warn'>;
}

/** Opens channel subscriptions on connections of their own, with the shared client's settings. */
@Injectable()
export class ChannelSubscriptions {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  open(options: ChannelSubscriptionOptions, listener: ChannelListener): ChannelSubscription {
    return new ChannelSubscription(createSubscriber(this.redis, options.connectionName), options, listener);
  }
}

export class ChannelSubscription {
  private readonly heartbeat: NodeJS.Timeout;
  private lastError = '';
  private stopped = false;
  /** SUBSCRIBE answered on the current connection. */
  private subscribed = false;
  /** A heartbeat PING went unanswered for a beat: down until a reply. */
  private stalled = false;
  private pingPending = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly options: ChannelSubscriptionOptions,
    private readonly listener: ChannelListener,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === options.channel) listener.onMessage(message);
    });
    subscriber.on('error', (err: Error) => {
      this.lose(`error: ${err.message}`);
      // An error on a connection that stays up (no reconnect follows): subscribe again to be live again.
      if (subscriber.status === 'ready') this.subscribe();
    });
    subscriber.on('close', () => this.lose('connection closed'));
    subscriber.on('ready', () => this.subscribe());
    subscriber.connect().catch((err: Error) => this.lose(`not connected: ${err.message}`));
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Stops listening (down for good) and closes the connection. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.listener.onDown();
    if (this.subscriber.status === 'end') return;
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
  }

  private subscribe(): void {
    const subscriber = this.subscriber;
    subscriber.subscribe(this.options.channel).then(
      () => {
        if (this.stopped || subscriber.status !== 'ready') return;
        this.subscribed = true;
        if (!this.stalled) this.listener.onLive();
        if (this.lastError !== '') this.options.logger.log(`${this.options.label} subscribed again: ${this.options.what} on`);
        this.lastError = '';
      },
      (err: Error) => this.lose(`subscribe failed: ${err.message}`),
    );
  }

  /** One heartbeat: a PING still unanswered from the last beat means down until it is answered. */
  private beat(): void {
    if (!this.subscribed) return;
    if (this.pingPending) {
      if (!this.stalled)
        this.options.logger.warn(`${this.options.label}: the subscriber connection does not answer; ${this.options.what} off`);
      this.stalled = true;
      this.listener.onDown();
      return;
    }
    this.pingPending = true;
    this.subscriber.ping().then(
      () => {
        this.pingPending = false;
        if (!this.stalled || !this.subscribed || this.stopped) return;
        this.stalled = false;
        this.listener.onLive();
        this.options.logger.log(`${this.options.label}: the subscriber connection answers again; ${this.options.what} on`);
      },
      () => {
        // A timed-out or failed PING: down until a later one is answered (or the connection is replaced).
        this.pingPending = false;
        this.stalled = true;
        this.listener.onDown();
      },
    );
  }

  /** Down until the subscription is confirmed again. */
  private lose(why: string): void {
    this.subscribed = false;
    this.pingPending = false;
    this.stalled = false;
    this.listener.onDown();
    if (this.stopped || why === this.lastError) return;
    this.lastError = why;
    this.options.logger.warn(`${this.options.label} ${why}: ${this.options.what} off, ${this.options.whenDown}`);
  }
}
