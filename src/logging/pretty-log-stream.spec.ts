import { describe, expect, it } from '@jest/globals';
import { formatEntry } from './pretty-log-stream.js';

describe('formatEntry', () => {
  it('prints the leading fields of an access line in order', () => {
    const line = formatEntry({
      time: '2030-01-01T12:00:01.123Z',
      level: 'info',
      context: 'Access',
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      upstream_status: 200,
      duration_ms: 812,
      request_id: 'r1',
    });
    expect(line).toBe('12:00:01.123 INFO  [Access] POST /v1/chat/completions 200 (upstream 200) 812 ms request_id=r1');
  });

  it('prints an object in a leading field as JSON, not as [object Object]', () => {
    expect(formatEntry({ level: 'warn', msg: { reason: 'x' }, status: [1, 2] })).toBe('WARN  [1,2] {"reason":"x"}');
  });
});
