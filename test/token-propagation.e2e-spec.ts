/**
 * Two replicas on one Redis, each with its verified-token cache on (for a minute, so only a pushed
 * invalidation can end a cached admission within the bound): a revoke or a ban through one is
 * refused by the other within PROPAGATION_BOUND_MS, polled in a loop (no fixed sleep). Replica A
 * is the in-process test app, replica B the production build in a process of its own
 * (`nest build` first).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

/** Generous for a loaded shared machine; the bench measures the real figure (docs/BENCHMARKS.md). */
const PROPAGATION_BOUND_MS = 1000;
/** TOKEN_ROTATION_GRACE_SECONDS of these replicas. */
const GRACE_MS = 2000;

async function status(url: string, token: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code };
}

/** Calls until the answer is no longer 200; returns how long that took and the refusal. */
async function pollUntilRefused(
  url: string,
  token: string,
  deadlineMs = 10_000,
): Promise<{ elapsedMs: number; status: number; code?: string }> {
  const started = performance.now();
  for (;;) {
    const answer = await status(url, token);
    const elapsedMs = performance.now() - started;
    if (answer.status !== 200) return { elapsedMs, ...answer };
    if (elapsedMs > deadlineMs) return { elapsedMs, ...answer };
  }
}

/** Makes sure the replica admitted (and so cached) the token: several calls, all 200. */
async function warm(url: string, token: string): Promise<void> {
  for (let i = 0; i < 5; i++) expect((await status(url, token)).status).toBe(200);
}

describe('revocation and bans between two replicas with the verified-token cache on', () => {
  let stack: GatewayStack;
  let b: GatewayProcess;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { TOKEN_CACHE_TTL_MS: '60000', TOKEN_ROTATION_GRACE_SECONDS: String(GRACE_MS / 1000) } });
    b = await startGatewayProcess(stack.env);
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await stack?.close();
  });

  it('a token revoked through replica A is refused by replica B within the bound', async () => {
    const { token, record } = await stack.mint('alice@example.com');
    await warm(b.url, token);
    await stack.tokens.revokeById(record.tokenId, 'admin@example.com');
    const refused = await pollUntilRefused(b.url, token);
    expect(refused).toMatchObject({ status: 401, code: 'token_revoked' });
    expect(refused.elapsedMs).toBeLessThan(PROPAGATION_BOUND_MS);
  });

  it('a token its owner revokes through replica B (REST) is refused by replica A within the bound', async () => {
    const victim = await stack.mint('bob@example.com', { name: 'leaked' });
    const other = await stack.mint('bob@example.com', { name: 'laptop' });
    await warm(stack.gw.url, victim.token);
    const res = await fetch(`${b.url}/api/token/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token_id: victim.record.tokenId }),
    });
    expect(res.status).toBe(200);
    const refused = await pollUntilRefused(stack.gw.url, victim.token);
    expect(refused).toMatchObject({ status: 401, code: 'token_revoked' });
    expect(refused.elapsedMs).toBeLessThan(PROPAGATION_BOUND_MS);
    // The owner's other token, cached on A too, still passes: an invalidation re-reads, it does not refuse.
    expect((await status(stack.gw.url, other.token)).status).toBe(200);
  });

  it('a ban through replica A refuses every cached token of the user on replica B within the bound', async () => {
    const one = await stack.mint('carol@example.com', { name: 'one' });
    const two = await stack.mint('carol@example.com', { name: 'two' });
    await warm(b.url, one.token);
    await warm(b.url, two.token);
    await stack.activeUsers.ban({ email: 'carol@example.com', bannedBy: 'admin@example.com' });
    for (const token of [one.token, two.token]) {
      const refused = await pollUntilRefused(b.url, token);
      expect(refused).toMatchObject({ status: 401, code: 'user_banned' });
      expect(refused.elapsedMs).toBeLessThan(PROPAGATION_BOUND_MS);
    }
  });

  it('a token rotated through replica A stops working on replica B when its grace ends, not a cache TTL later', async () => {
    const old = await stack.mint('dave@example.com', { name: 'rotating' });
    await warm(b.url, old.token);
    const started = performance.now();
    const rotated = await stack.tokens.rotate({
      email: 'dave@example.com',
      tokenId: old.record.tokenId,
      rotatedBy: 'dave@example.com',
      createdVia: 'cli',
    });
    const refused = await pollUntilRefused(b.url, old.token);
    const elapsedMs = performance.now() - started;
    expect(refused).toMatchObject({ status: 401, code: 'token_revoked' });
    // Served through the grace (from B's cache or Redis), refused once the record's TTL ends.
    expect(elapsedMs).toBeGreaterThan(GRACE_MS - 200);
    expect(elapsedMs).toBeLessThan(GRACE_MS + PROPAGATION_BOUND_MS);
    expect((await status(b.url, rotated.token)).status).toBe(200);
  });
});
