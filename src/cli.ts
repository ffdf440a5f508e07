/**
 * Ops CLI: `npm run cli -- <command> [flags]`. Prints one JSON object on stdout; errors go to
 * stderr with a non-zero exit. Runs over the same services and Redis as the server.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { COMMANDS, type Flags, runCommand } from './cli/cli-commands.js';
import { CliModule } from './cli/cli.module.js';
import { DomainError } from './common/domain-errors.js';
import { ConfigError } from './config/load-config.js';

/** Nest's logs go to stderr so stdout stays one JSON document. */
const stderrLogger: LoggerService = {
  log: () => undefined,
  error: (message: unknown) => process.stderr.write(`${String(message)}\n`),
  warn: (message: unknown) => process.stderr.write(`${String(message)}\n`),
};

function usage(): string {
  return ['Usage: npm run cli -- <command> [flags]', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      days: { type: 'string' },
      scopes: { type: 'string' },
      id: { type: 'string' },
      reason: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const group = positionals[0] === 'token' || positionals[0] === 'redis';
  const name = group ? `${positionals[0]} ${positionals[1] ?? ''}` : (positionals[0] ?? '');
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`Unknown command "${positionals.join(' ')}"\n${usage()}\n`);
    return 2;
  }
  const app = await NestFactory.createApplicationContext(CliModule, { logger: stderrLogger, abortOnError: false });
  try {
    const flags: Flags = { ...values, help: undefined } as Flags;
    const result = await runCommand(app, command, flags);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    // The command's outcome is already decided (and printed); a failure while closing does not undo it.
    await app.close().catch((err: unknown) => process.stderr.write(`warning: closing the Redis connection failed: ${(err as Error)?.message ?? String(err)}\n`));
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof DomainError || err instanceof ConfigError) process.stderr.write(`error: ${err.message}\n`);
    else if ((err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`error: ${(err as Error).message}\n${usage()}\n`);
    else process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
