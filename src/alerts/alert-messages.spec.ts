import { describe, expect, it } from '@jest/globals';
import { cleanupFailed, cleanupRemovedMany, escapeSlack, userBanned, userUnbanned } from './alert-messages.js';

const origin = { gateway: 'https://gw.example.com', nowMs: Date.parse('2026-01-01T00:00:00Z') };
const run = {
  runId: '1767225600000-0a1b2c3d',
  trigger: 'scheduled' as const,
  actor: 'scheduler',
  found: 20,
  deleted: 5,
  freedBytes: 512,
  error: null,
};

describe('alert messages', () => {
  it("escapes Slack's control characters in what people typed", () => {
    expect(escapeSlack('<!channel> & <https://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
    const ban = userBanned(
      {
        email: 'm@example.com',
        bannedBy: 'a@example.com',
        reason: 'see <!here>\nnow',
        until: origin.nowMs + 3600_000,
        sessionsEnded: 1,
        tokensBlocked: 2,
      },
      origin,
    );
    expect(ban.text).toBe(
      ':no_entry: *m@example.com was banned* by a@example.com until 2026-01-01T01:00:00.000Z (1 hour). Reason: see &lt;!here&gt; now. Sessions ended: 1; tokens blocked: 2.',
    );
  });

  it('says when no reason was given, and who lifted a ban', () => {
    expect(userUnbanned({ email: 'm@example.com', unbannedBy: 'cli:ops@host', reason: ' ' }, origin).text).toBe(
      ':white_check_mark: *m@example.com was unbanned* by cli:ops@host. Reason: none given.',
    );
  });

  it('names the run, its trigger and actor, and what it did', () => {
    expect(cleanupFailed({ ...run, error: 'WRONGTYPE' }, origin).text).toBe(
      ':x: *Redis cleanup failed* (scheduled run `1767225600000-0a1b2c3d` by scheduler): WRONGTYPE. It removed 5 of 20 stale entries before it stopped; its log says which.',
    );
    expect(cleanupRemovedMany(run, 3, origin).text).toContain('removed 5 stale entries* (more than CLEANUP_ALERT_THRESHOLD, 3)');
  });

  it('puts the text in a section block and the gateway and time under it', () => {
    const message = cleanupRemovedMany(run, 3, origin);
    expect(message.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: message.text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'LLM gateway https://gw.example.com · 2026-01-01T00:00:00.000Z' }] },
    ]);
  });
});
