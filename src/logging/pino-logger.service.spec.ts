import { describe, expect, it } from '@jest/globals';
import { LogSanitiser } from './log-redaction.js';
import { PinoLoggerService, writesInfoLines } from './pino-logger.service.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhQGIuYyJ9.c2lnbmF0dXJl';
const KEY = 'sk-upstream-unit-0123456789';

function capture(level: 'log' | 'warn' = 'log'): {
  sut: PinoLoggerService;
  lines: () => Array<Record<string, unknown>>;
  text: () => string;
} {
  const out: string[] = [];
  const sut = new PinoLoggerService({
    level,
    format: 'json',
    secrets: [KEY, ''],
    destination: { write: (line: string) => void out.push(line) },
  });
  return { sut, lines: () => out.map((line) => JSON.parse(line) as Record<string, unknown>), text: () => out.join('') };
}

describe('LogSanitiser', () => {
  const sut = new LogSanitiser([KEY, 'short']);

  it('censors JWTs, bearer values, credential query values, sk- keys and the configured secrets in text', () => {
    const text = sut.text(`GET /v1/${JWT}/x?api_key=abc123&model=gpt&token=zzz Bearer opaque-value ${KEY} sk-otherprovider123456`);
    expect(text).toBe('GET /v1/[redacted]/x?api_key=[redacted]&model=gpt&token=[redacted] Bearer [redacted] [redacted] [redacted]');
  });

  it('leaves ordinary text and objects without secrets untouched (the same object)', () => {
    const fields = { path: '/v1/chat/completions', status: 200, nested: { user: 'a@b.c' } };
    expect(sut.text('Upstream answered 502 for request abc')).toBe('Upstream answered 502 for request abc');
    expect(sut.fields(fields)).toBe(fields);
  });
});

describe('PinoLoggerService', () => {
  it('writes one JSON object per line with level, time, context and the object message as fields', () => {
    const { sut, lines } = capture();
    sut.log({ event: 'access', status: 200 }, 'Access');
    sut.warn('plain text', 'Proxy');
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', context: 'Access', event: 'access', status: 200, time: expect.any(String) }),
      expect.objectContaining({ level: 'warn', context: 'Proxy', msg: 'plain text' }),
    ]);
  });

  it('redacts secret fields by name and secrets in every string', () => {
    const { sut, text } = capture();
    sut.log(
      {
        headers: { authorization: `Bearer ${JWT}`, 'x-api-key': 'raw-key-1', cookie: 'sid=abc' },
        token: 'raw-token-2',
        path: `/v1?key=${KEY}`,
      },
      'Test',
    );
    sut.error(`failed with ${KEY}`, `Error: x\n    at ${JWT}`, 'Test');
    expect(text()).not.toMatch(/eyJ|raw-key-1|raw-token-2|sid=abc/);
    expect(text()).not.toContain(KEY);
  });

  it('follows LOG_LEVEL: at warn, info lines are not written', () => {
    const { sut, lines } = capture('warn');
    sut.log('hidden', 'Test');
    sut.verbose('hidden', 'Test');
    sut.warn('shown', 'Test');
    expect(lines().map((line) => line.msg)).toEqual(['shown']);
  });
});

describe('writesInfoLines', () => {
  it('is true from LOG_LEVEL log down, false at warn and error', () => {
    expect((['error', 'warn', 'log', 'debug', 'verbose'] as const).map(writesInfoLines)).toEqual([false, false, true, true, true]);
  });
});
