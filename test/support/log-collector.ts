/**
 * Collects what the app logs through Nest's Logger, so a suite can read the lines an operator
 * would see. Installed after the app is created (creating an app resets Nest's logger).
 */
import { Logger, type LoggerService } from '@nestjs/common';

export interface LogLine {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  message: string;
}

export class LogCollector implements LoggerService {
  readonly lines: LogLine[] = [];

  static install(): LogCollector {
    const collector = new LogCollector();
    Logger.overrideLogger(collector);
    return collector;
  }

  /** Lines whose message contains every one of `parts`. */
  matching(...parts: string[]): LogLine[] {
    return this.lines.filter((line) => parts.every((part) => line.message.includes(part)));
  }

  log(message: unknown): void {
    this.add('log', message);
  }
  error(message: unknown): void {
    this.add('error', message);
  }
  warn(message: unknown): void {
    this.add('warn', message);
  }
  debug(message: unknown): void {
    this.add('debug', message);
  }
  verbose(message: unknown): void {
    this.add('verbose', message);
  }
  fatal(message: unknown): void {
    this.add('fatal', message);
  }

  private add(level: LogLine['level'], message: unknown): void {
    this.lines.push({ level, message: typeof message === 'string' ? message : JSON.stringify(message) });
  }
}
