/**
 * A LoggerService that keeps every line the app logs, for suites that assert on logs
 * (startTestApp(env, { logger })). Nothing goes to the console.
 */
import type { LoggerService } from '@nestjs/common';

export interface CapturedLine {
  readonly level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  readonly message: string;
  readonly context: string | undefined;
}

export class LogCapture implements LoggerService {
  readonly lines: CapturedLine[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }

  /** Lines of one context, e.g. 'AuthRefused'. */
  of(context: string): CapturedLine[] {
    return this.lines.filter((line) => line.context === context);
  }

  /** The JSON objects logged under a context (lines that are not JSON are skipped). */
  jsonOf(context: string): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.of(context)) {
      try {
        out.push(JSON.parse(line.message) as Record<string, unknown>);
      } catch {
        // Not a JSON line.
      }
    }
    return out;
  }

  /** Everything logged, as one text (to check that a secret appears nowhere). */
  text(): string {
    return this.lines.map((line) => `${line.context ?? ''} ${line.message}`).join('\n');
  }

  private keep(level: CapturedLine['level'], message: unknown, rest: unknown[]): void {
    // Nest passes the context as the last argument.
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    this.lines.push({ level, message: typeof message === 'string' ? message : JSON.stringify(message), context });
  }
}
