/**
 * Runs one CLI invocation: finds the command, parses its flags, runs it over the application
 * context (recording commands that change state in the audit trail as `cli:<user>@<host>`), and
 * prints the result: a table on a terminal, JSON otherwise or with --json. Errors go to stderr.
 * Exit codes: 0 done, 1 the command failed, 2 a usage error (unknown command or flag).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HttpException, type INestApplicationContext } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/domain-errors.js';
import { canonicalEmail } from '../common/email.js';
import { ConfigError } from '../config/load-config.js';
import { CLI_ACTOR, type CliCommand, type Flags } from './cli-command.js';
import { renderHuman, renderJson } from './cli-output.js';
import { adminCommands } from './commands/admin.commands.js';
import { auditCommands } from './commands/audit.commands.js';
import { cleanupCommands } from './commands/cleanup.commands.js';
import { redisCommands } from './commands/redis.commands.js';
import { sessionCommands } from './commands/session.commands.js';
import { tokenCommands } from './commands/token.commands.js';
import { userCommands } from './commands/user.commands.js';

export const COMMANDS: readonly CliCommand[] = [
  ...userCommands,
  ...sessionCommands,
  ...tokenCommands,
  ...cleanupCommands,
  ...auditCommands,
  ...adminCommands,
  ...redisCommands,
];

export interface CliIo {
  write(text: string): void;
  error(text: string): void;
  /** stdout is a terminal: print tables unless --json. */
  readonly isTTY: boolean;
}

/** Opens the application context the first time a command needs it (--help and usage errors never do). */
export type ContextSource = () => Promise<INestApplicationContext>;

export async function runCli(argv: readonly string[], io: CliIo, context: ContextSource): Promise<number> {
  if (argv.length === 0) {
    io.error(usage());
    return 2;
  }
  if (['--help', '-h', 'help'].includes(argv[0])) {
    io.write(usage());
    return 0;
  }
  const words = argv.slice(0, 2).filter((w) => !w.startsWith('-'));
  const command = COMMANDS.find((c) => c.name === words.join(' ')) ?? COMMANDS.find((c) => c.name === words[0]);
  if (command === undefined) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${words[0]} `));
    if (group.length > 0 && words.length === 1) {
      const text = usage(group);
      if (argv.includes('--help') || argv.includes('-h')) {
        io.write(text);
        return 0;
      }
      io.error(`error: "${words[0]}" needs one of: ${group.map((c) => c.name.split(' ')[1]).join(', ')}\n\n${text}`);
      return 2;
    }
    io.error(`error: unknown command "${words.join(' ')}"\n\n${usage()}`);
    return 2;
  }
  let flags: Flags;
  try {
    flags = parseFlags(command, argv.slice(command.name.split(' ').length));
  } catch (err) {
    io.error(`error: ${(err as Error).message}\n\n${help(command)}`);
    return 2;
  }
  if (flags.help === true) {
    io.write(help(command));
    return 0;
  }
  const missing = Object.entries(command.flags).find(
    ([name, spec]) => spec.required === true && (flags[name] === undefined || flags[name] === ''),
  );
  if (missing !== undefined) {
    io.error(`error: --${missing[0]} is required\n\n${help(command)}`);
    return 2;
  }
  try {
    const result = await execute(await context(), command, flags);
    io.write(flags.json === true || !io.isTTY ? renderJson(result) : renderHuman(result, command.tables));
    return 0;
  } catch (err) {
    io.error(`error: ${messageOf(err)}\n`);
    return 1;
  }
}

/** Runs a command; one that changes state is recorded with its outcome (the failure's message included). */
export async function execute(app: INestApplicationContext, command: CliCommand, flags: Flags): Promise<object> {
  if (command.audit === undefined) return command.run(app, flags);
  const audit = app.get(AuditService);
  const base = {
    actor: CLI_ACTOR,
    actorMethod: 'cli',
    actorTokenId: '',
    action: command.audit.action,
    // An email target is recorded in its canonical spelling, as the REST API records it.
    target: canonicalTarget(command.audit.target(flags, app) ?? '').slice(0, 320),
    requestId: randomUUID(),
    ip: '',
  };
  try {
    const result = await command.run(app, flags);
    await audit.record({ ...base, outcome: 'success', status: 0, detail: '' });
    return result;
  } catch (err) {
    await audit.record({ ...base, outcome: 'failure', status: 1, detail: messageOf(err).slice(0, 500) });
    throw err;
  }
}

function canonicalTarget(target: string): string {
  return canonicalEmail(target) ?? target;
}

function parseFlags(command: CliCommand, args: string[]): Flags {
  const options: NonNullable<ParseArgsConfig['options']> = {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(command.flags)) options[name] = { type: spec.type };
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  return values as Flags;
}

function messageOf(err: unknown): string {
  if (err instanceof DomainError || err instanceof ConfigError) return err.message;
  if (err instanceof HttpException) {
    const answer = err.getResponse();
    const message = typeof answer === 'object' && answer !== null && 'message' in answer ? answer.message : err.message;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
  return (err as Error)?.message ?? String(err);
}

export function usage(commands: readonly CliCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: npm run cli -- <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --json (JSON even on a terminal; JSON is the default when stdout is not one) and --help.',
    'Commands that change state are recorded in the audit trail as cli:<user>@<host>.',
    '',
  ].join('\n');
}

function help(command: CliCommand): string {
  const flag = (name: string, spec: CliCommand['flags'][string]): string => {
    const text = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? 'VALUE'}`;
    return spec.required === true ? text : `[${text}]`;
  };
  const entries = Object.entries(command.flags);
  const width = Math.max(0, ...entries.map(([name, spec]) => flag(name, spec).length));
  return [
    `Usage: npm run cli -- ${command.name} ${entries.map(([name, spec]) => flag(name, spec)).join(' ')} [--json]`.trimEnd(),
    '',
    command.summary,
    ...(entries.length > 0 ? ['', ...entries.map(([name, spec]) => `  ${flag(name, spec).padEnd(width)}  ${spec.description}`)] : []),
    '',
  ].join('\n');
}
