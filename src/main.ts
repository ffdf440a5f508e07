import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { setupApp } from './app.setup.js';
import { readEnvironment } from './config/environment.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { ignoreSignalsThatDoNotStop } from './lifecycle/shutdown-signals.js';
import { configuredSecrets, PinoLoggerService } from './logging/pino-logger.service.js';

async function bootstrap(): Promise<void> {
  // Validated here first so a bad environment fails with a plain message before Nest starts.
  const env = loadConfig(readEnvironment());
  // Every Nest Logger writes through pino: one JSON line each (LOG_FORMAT, LOG_LEVEL), secrets redacted.
  const logger = new PinoLoggerService({ level: env.logLevel, format: env.logFormat, secrets: configuredSecrets(env), destination: 1 });
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, abortOnError: false, logger });
  const config = setupApp(app);
  ignoreSignalsThatDoNotStop();
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
