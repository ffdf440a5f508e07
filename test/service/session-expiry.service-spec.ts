/** Session expiry against a real redis-server: a session ends at the earlier of its absolute and idle end, and leaves every index then. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sessionIdOf } from '../../src/sessions/session-data.js';
import { SessionsModule } from '../../src/sessions/sessions.module.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { startServiceModule, type ServiceModule } from '../support/service-module.js';

describe('session expiry (SessionsService against Redis)', () => {
  let m: ServiceModule;
  let sut: SessionsService;
  const client = { ip: '127.0.0.1', userAgent: 'spec' };

  beforeAll(async () => {
    m = await startServiceModule([SessionsModule], { SESSION_TTL_SECONDS: '86400', SESSION_IDLE_SECONDS: '3600' });
    sut = m.get(SessionsService);
  });
  afterAll(async () => {
    await m?.close();
  });

  it('ends a session at the earlier of sign-in + SESSION_TTL_SECONDS and last seen + SESSION_IDLE_SECONDS', () => {
    expect(sut.expiresAt({ createdAt: 0, lastSeenAt: 0 })).toBe(3600_000);
    expect(sut.expiresAt({ createdAt: 0, lastSeenAt: 86000_000 })).toBe(86400_000);
  });

  it('loads a live session, and ends one past its idle end on load, out of every index', async () => {
    const auth = await sut.startSignedIn('cookie-idle', { cookie: {} }, { email: 'ida@example.com', name: 'Ida' }, client);
    expect(auth).not.toBeNull();
    expect((await sut.load('cookie-idle'))?.auth?.email).toBe('ida@example.com');

    // Last seen two hours ago: past the idle end, though within the absolute one.
    const key = m.keys.session(sessionIdOf('cookie-idle'));
    const stored = JSON.parse((await m.redis.get(key))!) as { auth: { lastSeenAt: number; createdAt: number } };
    stored.auth.lastSeenAt = Date.now() - 2 * 3600_000;
    stored.auth.createdAt = stored.auth.lastSeenAt;
    await m.redis.set(key, JSON.stringify(stored), 'KEEPTTL');

    expect(await sut.load('cookie-idle')).toBeNull();
    expect(await m.redis.exists(key)).toBe(0);
    expect(await m.redis.zcard(m.keys.userSessions('ida@example.com'))).toBe(0);
    expect(await m.redis.zscore(m.keys.sessionsByExpiry(), sessionIdOf('cookie-idle'))).toBeNull();
    expect(await m.redis.zcard(m.keys.sessionsByEmail())).toBe(0);
  });
});
