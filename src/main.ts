import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { setupApp } from './app.setup.js';
import { readEnvironment } from './config/environment.js';
import { ConfigError, loadConfig } from './config/load-config.js';

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(): Promise<void> {
  // Validated here first so a bad environment fails with a plain message before Nest starts.
  const { logLevel } = loadConfig(readEnvironment());
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    abortOnError: false,
    logger: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(logLevel) + 1),
  });
  const config = setupApp(app);
  await app.listen(config.port, config.host);
  closeIdleSocketsOnShutdown(app.getHttpServer() as Server);
  Logger.log(`LLM gateway listening on http://${config.host}:${config.port} -> ${config.upstream.url}`, 'Bootstrap');
}

/**
 * On SIGTERM/SIGINT Nest closes the server, which waits for in-flight requests (streams included)
 * but also for every open socket, even one that never sends another request. Sockets with no
 * request in flight are closed at once, and the others as soon as their last answer is done.
 */
function closeIdleSocketsOnShutdown(server: Server): void {
  const inFlight = new Map<Socket, number>();
  let stopping = false;
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (stopping && left === 0) socket.destroy();
    });
  });
  const onSignal = (): void => {
    stopping = true;
    for (const [socket, count] of inFlight) if (count === 0) socket.destroy();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Gateway failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
