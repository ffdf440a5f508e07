/**
 * Lets the HTTP server close promptly, and by a deadline. Node's server.close() waits for every
 * open socket, even keep-alive sockets that will never carry another request, and a stream that
 * never ends would hold it forever. When the app shuts down (SIGTERM or SIGINT, app.close()), sockets with
 * no request in flight are closed at once and the others as soon as their last answer is done;
 * those still busy after SHUTDOWN_GRACE_MS are ended, so shutdown ends by then at the latest.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** After a signal, the process exits this long past the grace period even if something else hangs. */
const EXIT_BACKSTOP_MS = 10_000;

@Injectable()
export class SocketDrainService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  /** Requests in flight per open socket. */
  private readonly inFlight = new Map<Socket, number>();
  private draining = false;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    server.on('connection', (socket: Socket) => {
      this.inFlight.set(socket, 0);
      socket.once('close', () => this.inFlight.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      this.inFlight.set(socket, (this.inFlight.get(socket) ?? 0) + 1);
      res.once('close', () => {
        const left = (this.inFlight.get(socket) ?? 1) - 1;
        this.inFlight.set(socket, left);
        if (this.draining && left === 0) socket.destroy();
      });
    });
  }

  /** Runs just before Nest closes the HTTP server. `signal` is set when a signal (SIGTERM, SIGINT) started the shutdown. */
  beforeApplicationShutdown(signal?: string): void {
    this.draining = true;
    for (const [socket, count] of this.inFlight) if (count === 0) socket.destroy();
    const grace = this.config.failClosed.shutdownGraceMs;
    if (this.inFlight.size > 0) this.logger.log(`Draining ${this.inFlight.size} connections for at most ${grace} ms`);
    this.deadline = setTimeout(() => this.endRemaining(), grace).unref();
    if (signal !== undefined) {
      // Only for a signal: a test's app.close() must never end its own process.
      setTimeout(() => {
        this.logger.error(`Shutdown still not done ${EXIT_BACKSTOP_MS} ms after the grace period: exiting`);
        process.exit(1);
      }, grace + EXIT_BACKSTOP_MS).unref();
    }
  }

  onApplicationShutdown(): void {
    clearTimeout(this.deadline);
  }

  private endRemaining(): void {
    if (this.inFlight.size === 0) return;
    this.logger.warn(
      `Shutdown grace period (SHUTDOWN_GRACE_MS=${this.config.failClosed.shutdownGraceMs}) over: ending ${this.inFlight.size} connections still busy`,
    );
    for (const socket of this.inFlight.keys()) socket.destroy();
  }
}
