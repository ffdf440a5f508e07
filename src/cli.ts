/**
 * Ops CLI: `npm run cli -- <command> [flags]` (`--help` lists the commands). Runs over the same
 * services and Redis as the server, with the same environment and `.env`. A table on a terminal,
 * JSON otherwise (or with --json); errors on stderr with a non-zero exit.
 */
import 'reflect-metadata';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { cliLoggerOptions } from './cli/cli-logger.js';
import { runCli } from './cli/cli-runner.js';
import { CliModule } from './cli/cli.module.js';
import { readEnvironment } from './config/environment.js';
import { ConfigError } from './config/load-config.js';
import { PinoLoggerService } from './logging/pino-logger.service.js';

async function main(argv: string[]): Promise<number> {
  let app: INestApplicationContext | undefined;
  try {
    return await runCli(
      argv,
      { write: (text) => process.stdout.write(text), error: (text) => process.stderr.write(text), isTTY: process.stdout.isTTY === true },
      async () =>
        (app ??= await NestFactory.createApplicationContext(CliModule, {
          logger: new PinoLoggerService(cliLoggerOptions(readEnvironment(), process.stderr.isTTY === true)),
          abortOnError: false,
        })),
    );
  } finally {
    // The command's outcome is already decided (and printed); a failure while closing does not undo it.
    await app
      ?.close()
      .catch((err: unknown) =>
        process.stderr.write(`warning: closing the application failed: ${(err as Error)?.message ?? String(err)}\n`),
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof ConfigError ? err.message : ((err as Error)?.message ?? String(err))}\n`);
    process.exit(1);
  },
);
