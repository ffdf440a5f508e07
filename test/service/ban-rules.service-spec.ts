/** Ban rules against a real redis-server: a ban refuses the person's tokens and ends their sessions, for BAN_TTL_SECONDS. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ActiveUsersModule } from '../../src/active-users/active-users.module.js';
import { ActiveUsersService } from '../../src/active-users/active-users.service.js';
import { SessionsService } from '../../src/sessions/sessions.service.js';
import { TokensService } from '../../src/tokens/tokens.service.js';
import { startServiceModule, type ServiceModule } from '../support/service-module.js';

describe('bans (ActiveUsersService against Redis)', () => {
  let m: ServiceModule;
  let sut: ActiveUsersService;

  beforeAll(async () => {
    m = await startServiceModule([ActiveUsersModule], {
      SUPER_ADMIN_EMAIL: 'root@example.com',
      ADMIN_EMAILS: 'admin@example.com',
      BAN_TTL_SECONDS: '600',
    });
    sut = m.get(ActiveUsersService);
  });
  afterAll(async () => {
    await m?.close();
  });

  it("refuses a banned person's token on its next admission, and admits it again once unbanned", async () => {
    const issued = await m.get(TokensService).create({ email: 'eve@example.com', name: 'laptop', createdVia: 'cli' });
    const admit = (): Promise<{ kind: string }> => sut.admitToken('eve@example.com', issued.record.tokenId, 'laptop');
    expect((await admit()).kind).toBe('admitted');
    const before = Date.now();
    const ban = await sut.ban({ email: 'Eve@Example.com', bannedBy: 'admin@example.com', reason: 'spec' });
    expect(ban).toMatchObject({ email: 'eve@example.com', tokensBlocked: 1 });
    expect(ban.until - before).toBeGreaterThanOrEqual(600_000);
    expect(ban.until - Date.now()).toBeLessThanOrEqual(600_000);
    expect((await admit()).kind).toBe('banned');
    expect(await sut.unban('eve@example.com', 'admin@example.com')).toBe(true);
    expect((await admit()).kind).toBe('admitted');
    expect(await sut.unban('eve@example.com')).toBe(false);
  });

  it("ends the banned person's browser sessions and refuses a new one while the ban runs", async () => {
    const sessions = m.get(SessionsService);
    const client = { ip: '127.0.0.1', userAgent: 'spec' };
    const person = { email: 'mallory@example.com', name: 'Mallory' };
    expect(await sessions.startSignedIn('cookie-session-one', { cookie: {} }, person, client)).not.toBeNull();
    expect(await sessions.countForUser('mallory@example.com')).toBe(1);
    const ban = await sut.ban({ email: 'mallory@example.com', bannedBy: 'admin@example.com' });
    expect(ban.sessionsEnded).toBe(1);
    expect(await sessions.countForUser('mallory@example.com')).toBe(0);
    expect(await sessions.startSignedIn('cookie-session-two', { cookie: {} }, person, client)).toBeNull();
  });

  it('refuses a self-ban, and an admin banning another admin or the super admin', async () => {
    await expect(sut.ban({ email: 'admin@example.com', bannedBy: 'admin@example.com' })).rejects.toMatchObject({ code: 'self_ban' });
    await expect(
      sut.ban({ email: 'root@example.com', bannedBy: 'admin@example.com', actingAdmin: 'admin@example.com' }),
    ).rejects.toMatchObject({ code: 'target_is_super_admin' });
    await m.redis.hset(m.keys.runtimeAdmins(), 'other@example.com', JSON.stringify({ added_by: 'root@example.com', added_at: Date.now() }));
    await expect(
      sut.ban({ email: 'other@example.com', bannedBy: 'admin@example.com', actingAdmin: 'admin@example.com' }),
    ).rejects.toMatchObject({ code: 'target_is_admin' });
    expect(await sut.findBan('other@example.com')).toBeNull();
  });
});
