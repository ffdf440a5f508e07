/**
 * GET /api/me: what every page starts from. Who is calling, their role (user, admin, super
 * admin), and a summary of their own tokens; the form's lifetime limits.
 */
import { ActivityWriteBehind } from '../src/active-users/activity-write-behind.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call } from './support/admin-client.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

interface Me {
  email: string;
  role: string;
  is_admin: boolean;
  is_super_admin: boolean;
  ban: null;
  tokens: { active: number; max_tokens: number; next_expiry: string | null; last_used_at: string | null };
  limits: { token_max_days: number; token_default_days: number };
}

describe('GET /api/me', () => {
  let stack: GatewayStack;

  beforeAll(async () => {
    stack = await startGatewayStack({
      env: {
        ADMIN_EMAILS: 'admin@example.com',
        SUPER_ADMIN_EMAIL: 'root@example.com',
        TOKEN_MAX_DAYS: '60',
        TOKEN_DEFAULT_DAYS: '14',
        TOKENS_PER_USER_MAX: '5',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each([
    ['plain@example.com', 'user', false, false],
    ['admin@example.com', 'admin', true, false],
    ['root@example.com', 'super_admin', true, true],
  ])('says %s is a %s', async (email, role, isAdmin, isSuperAdmin) => {
    const { token } = await stack.mint(email);
    const res = await call<Me>(stack.gw, 'GET', '/api/me', { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email, role, is_admin: isAdmin, is_super_admin: isSuperAdmin, ban: null });
  });

  it("summarises the caller's live tokens (not revoked ones) and the form's limits", async () => {
    const email = 'counted@example.com';
    const soon = await stack.mint(email, { name: 'soon', lifetimeSeconds: 7200 });
    await stack.mint(email, { name: 'later', lifetimeSeconds: 86400 });
    const revoked = await stack.mint(email, { name: 'gone', lifetimeSeconds: 3600 });
    await stack.tokens.revoke(email, revoked.record.tokenId, email);
    expect((await fetch(`${stack.gw.url}/v1/models`, { headers: { authorization: `Bearer ${soon.token}` } })).status).toBe(200);
    // last_used_at is written behind, within a second; the flush it would run is run now.
    await stack.gw.get<ActivityWriteBehind>(ActivityWriteBehind).flush();

    const res = await call<Me>(stack.gw, 'GET', '/api/me', { token: soon.token });
    expect(res.body.tokens).toMatchObject({ active: 2, max_tokens: 5, next_expiry: new Date(soon.record.expiresAt).toISOString() });
    expect(Date.parse(res.body.tokens.last_used_at ?? '')).toBeGreaterThanOrEqual(soon.record.createdAt);
    expect(res.body.limits).toEqual({ token_max_days: 60, token_default_days: 14 });
  });
});
