/**
 * How the CLI logs: Nest's lines go to stderr so stdout stays the result, warnings and errors only
 * (LOG_LEVEL=error: errors only), the server's structured lines, `pretty` on a terminal unless LOG_FORMAT is set.
 */
import { isSet, loadConfig } from '../config/load-config.js';
import { configuredSecrets, type PinoLoggerOptions } from '../logging/pino-logger.service.js';

/** `env` is the environment as readEnvironment() gives it (the process's, then `.env`). */
export function cliLoggerOptions(env: Readonly<Record<string, string | undefined>>, stderrIsTTY: boolean): PinoLoggerOptions {
  const config = loadConfig(env);
  return {
    level: config.logLevel === 'error' ? 'error' : 'warn',
    format: stderrIsTTY && !isSet(env, 'LOG_FORMAT') ? 'pretty' : config.logFormat,
    secrets: configuredSecrets(config),
    destination: 2,
  };
}
