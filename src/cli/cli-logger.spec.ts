import { describe, expect, it } from '@jest/globals';
import { cliLoggerOptions } from './cli-logger.js';

const SECRET = 'a-perfectly-random-secret-of-more-than-32-bytes';

describe('cliLoggerOptions', () => {
  it('logs pretty on a terminal and JSON otherwise when LOG_FORMAT is not set', () => {
    expect(cliLoggerOptions({ JWT_SECRET: SECRET }, true).format).toBe('pretty');
    expect(cliLoggerOptions({ JWT_SECRET: SECRET }, false).format).toBe('json');
  });

  it('follows LOG_FORMAT when it is set, even to the default, terminal or not', () => {
    expect(cliLoggerOptions({ JWT_SECRET: SECRET, LOG_FORMAT: 'json' }, true).format).toBe('json');
    expect(cliLoggerOptions({ JWT_SECRET: SECRET, LOG_FORMAT: 'pretty' }, false).format).toBe('pretty');
  });

  it('reads a blank LOG_FORMAT as not set, as the configuration does', () => {
    expect(cliLoggerOptions({ JWT_SECRET: SECRET, LOG_FORMAT: ' ' }, true).format).toBe('pretty');
  });

  it('writes warnings and errors to stderr, errors only with LOG_LEVEL=error, and redacts the secrets', () => {
    expect(cliLoggerOptions({ JWT_SECRET: SECRET }, false)).toMatchObject({ level: 'warn', destination: 2 });
    expect(cliLoggerOptions({ JWT_SECRET: SECRET, LOG_LEVEL: 'debug' }, false).level).toBe('warn');
    expect(cliLoggerOptions({ JWT_SECRET: SECRET, LOG_LEVEL: 'error' }, false).level).toBe('error');
    expect(cliLoggerOptions({ JWT_SECRET: SECRET }, false).secrets).toContain(SECRET);
  });
});
