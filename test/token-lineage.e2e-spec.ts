/**
 * A token cannot outlive its parent, end to end: a token minted with a token (POST
 * /api/token/generate with Bearer, not a browser session) expires no later than the token that
 * minted it. Asking for longer is a 400 that says the limit; the default lifetime is cut to the
 * parent's end.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call } from './support/admin-client.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

interface Issued {
  token: string;
  token_id: string;
  expires_in: number;
  expires_at: string;
}

const DAY = 86400;
const expOf = (token: string): number => (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number }).exp;

describe('token lineage', () => {
  let stack: GatewayStack;
  let serial = 0;
  const email = (): string => `lineage${++serial}@example.com`;

  const generate = (parent: string, body: Record<string, unknown>) =>
    call<Issued & Record<string, unknown>>(stack.gw, 'POST', '/api/token/generate', { token: parent, body });

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { TOKEN_DEFAULT_DAYS: '30', TOKEN_MAX_DAYS: '90' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses a child that asks to live longer than its parent, saying until when the parent lives', async () => {
    const owner = email();
    const parent = await stack.mint(owner, { lifetimeSeconds: 2 * DAY, name: 'parent' });
    const res = await generate(parent.token, { token_name: 'child', expires_in: 30 * DAY });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'invalid_input' });
    expect(String(res.body.message)).toContain(`a token minted with a token expires no later than that token`);
    expect(String(res.body.message)).toContain(new Date(parent.record.expiresAt).toISOString());
    expect(await stack.tokens.list(owner)).toHaveLength(1);
  });

  it("cuts the default lifetime to the parent's end, in the record and in the JWT", async () => {
    const owner = email();
    const parent = await stack.mint(owner, { lifetimeSeconds: 2 * DAY, name: 'parent' });
    const res = await generate(parent.token, { token_name: 'child' });
    expect(res.status).toBe(201);
    expect(expOf(res.body.token)).toBeLessThanOrEqual(expOf(parent.token));
    expect(Date.parse(res.body.expires_at)).toBeLessThanOrEqual(parent.record.expiresAt);
    expect(res.body.expires_in).toBeLessThanOrEqual(2 * DAY);
    const child = await stack.tokens.get(owner, res.body.token_id);
    expect(child.expiresAt).toBeLessThanOrEqual(parent.record.expiresAt);
    expect(child.createdVia).toBe('jwt');
  });

  it('keeps a shorter lifetime as asked, and a grandchild is bound by its own parent', async () => {
    const owner = email();
    const parent = await stack.mint(owner, { lifetimeSeconds: 10 * DAY, name: 'parent' });
    const child = await generate(parent.token, { token_name: 'child', expires_in: 3 * DAY });
    expect(child.status).toBe(201);
    expect(child.body.expires_in).toBe(3 * DAY);
    const tooLong = await generate(child.body.token, { token_name: 'grandchild', expires_in: 5 * DAY });
    expect(tooLong.status).toBe(400);
    const grandchild = await generate(child.body.token, { token_name: 'grandchild' });
    expect(grandchild.status).toBe(201);
    expect(expOf(grandchild.body.token)).toBeLessThanOrEqual(expOf(child.body.token));
  });

  it('gives a child of an hour-long parent (the shortest lifetime) the rest of that hour, and refuses more asked for', async () => {
    const owner = email();
    const parent = await stack.mint(owner, { lifetimeSeconds: 3600, name: 'short' });
    const asked = await generate(parent.token, { token_name: 'child', expires_in: 3660 });
    expect(asked.status).toBe(400);
    const child = await generate(parent.token, { token_name: 'child' });
    expect(child.status).toBe(201);
    expect(expOf(child.body.token)).toBeLessThanOrEqual(expOf(parent.token));
    expect(child.body.expires_in).toBeLessThanOrEqual(3600);
  });

  it('the child works on /v1 and dies no later than its parent would', async () => {
    const owner = email();
    const parent = await stack.mint(owner, { lifetimeSeconds: DAY, name: 'parent' });
    const child = await generate(parent.token, { token_name: 'child' });
    const models = await fetch(`${stack.gw.url}/v1/models`, { headers: { authorization: `Bearer ${child.body.token}` } });
    expect(models.status).toBe(200);
    expect(expOf(child.body.token)).toBeLessThanOrEqual(expOf(parent.token));
  });
});
