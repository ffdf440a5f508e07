/**
 * The gateway's one log writer: pino, one JSON object per line, behind Nest's LoggerService, so every
 * `new Logger(Context)` in the code writes through it. A message that is an object becomes the
 * line's fields; a string becomes `msg`. Secrets are redacted here (log-redaction.ts), for every line.
 * LOG_FORMAT=pretty prints the same lines readably for a terminal (pretty-log-stream.ts).
 */
import type { LoggerService, LogLevel } from '@nestjs/common';
import { type DestinationStream, type Logger as Pino, pino } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { LogSanitiser, REDACT_PATHS, REDACTION_CENSOR } from './log-redaction.js';
import { prettyLogStream } from './pretty-log-stream.js';

export type LogFormat = 'json' | 'pretty';

/** LOG_LEVEL (Nest's names) to pino's levels. */
const PINO_LEVEL: Record<AppConfig['logLevel'], string> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** Whether LOG_LEVEL writes info lines (the access and admin-action lines): callers skip building a line that would not be. */
export function writesInfoLines(level: AppConfig['logLevel']): boolean {
  return pino.levels.values[PINO_LEVEL[level]] <= pino.levels.values.info;
}

export interface PinoLoggerOptions {
  level: AppConfig['logLevel'];
  format: LogFormat;
  /** Values that must never be printed (the upstream key, the JWT and session secrets ...). */
  secrets: ReadonlyArray<string | undefined>;
  /** 1 (stdout, the server) or 2 (stderr, the CLI); or any stream (tests). */
  destination: 1 | 2 | DestinationStream;
}

/** The secrets of a configuration, for `PinoLoggerOptions.secrets`. */
export function configuredSecrets(config: AppConfig): string[] {
  const secrets = [config.upstream.apiKey, config.jwt.secret, config.session.secret, config.auth0.clientSecret];
  const withMore = config as AppConfig & { metrics?: { token?: string }; alerts?: { slackWebhookUrl?: string } };
  secrets.push(withMore.metrics?.token ?? '', withMore.alerts?.slackWebhookUrl ?? '');
  try {
    const password = new URL(config.redis.url).password;
    if (password) secrets.push(password, decodeURIComponent(password));
  } catch {
    // Not a URL: nothing to add.
  }
  return secrets;
}

export class PinoLoggerService implements LoggerService {
  readonly pino: Pino;
  private readonly sanitiser: LogSanitiser;

  constructor(options: PinoLoggerOptions) {
    this.sanitiser = new LogSanitiser(options.secrets);
    const sink =
      typeof options.destination === 'number' ? pino.destination({ dest: options.destination, sync: true }) : options.destination;
    const sanitiser = this.sanitiser;
    this.pino = pino(
      {
        level: PINO_LEVEL[options.level],
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        messageKey: 'msg',
        redact: { paths: [...REDACT_PATHS], censor: REDACTION_CENSOR },
        formatters: {
          level: (label) => ({ level: label }),
          log: (object) => sanitiser.fields(object),
        },
      },
      options.format === 'pretty' ? prettyLogStream(sink) : sink,
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  /** Levels are pino's, set once from LOG_LEVEL; Nest's own list is not used. */
  setLogLevels(_levels: LogLevel[]): void {}

  /** Nest calls `logger.x(message, ...extra, context)`; `error` may carry a stack before the context. */
  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    params: unknown[],
    mayHaveStack = false,
  ): void {
    if (!this.pino.isLevelEnabled(level)) return;
    let context: string | undefined;
    if (params.length > 0 && typeof params[params.length - 1] === 'string') context = params.pop() as string;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    if (mayHaveStack && typeof params[0] === 'string' && params[0].includes('\n')) fields.stack = this.sanitiser.text(params[0]);
    if (message instanceof Error) {
      fields.err = { type: message.name, message: message.message, stack: message.stack };
      this.pino[level](fields, this.sanitiser.text(message.message));
    } else if (message !== null && typeof message === 'object') {
      this.pino[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.pino[level](fields, this.sanitiser.text(String(message)));
    }
  }
}
