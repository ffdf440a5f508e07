/**
 * Lets the HTTP server close promptly: Node's server.close() waits for every open socket, even
 * keep-alive sockets that will never carry another request. When the app shuts down (SIGTERM,
 * app.close()), sockets with no request in flight are closed at once and the others as soon as
 * their last answer is done, so shutdown ends when the last request does.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type BeforeApplicationShutdown, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

@Injectable()
export class SocketDrainService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Requests in flight per open socket. */
  private readonly inFlight = new Map<Socket, number>();
  private draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

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

  /** Runs just before Nest closes the HTTP server. */
  beforeApplicationShutdown(): void {
    this.draining = true;
    for (const [socket, count] of this.inFlight) if (count === 0) socket.destroy();
  }
}
