import 'reflect-metadata';
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
  Logger.log(`LLM gateway listening on http://${config.host}:${config.port} -> ${config.upstream.url}`, 'Bootstrap');
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Gateway failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
