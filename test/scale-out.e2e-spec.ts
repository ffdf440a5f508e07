/**
 * Two gateway replicas on Redis past one node: a 3-master Redis Cluster, and a master with a
 * replica watched by three sentinels. Replica A runs in this process, replica B is the production
 * build in a process of its own (dist/main.js); both share one Redis and nothing else. Whatever one
 * replica is told (tokens, bans, revocations, sign-ins, logouts, admins, cleanup) the other honours,
 * and on Sentinel the gateway follows a failover without losing a ban or a revocation. On the
 * Cluster, with the verified-token cache on for a minute, a ban reaches the other replica's cache
 * within a second through a master that neither replica listens on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import type { DemoOidcUser } from '../src/demo/demo-oidc-provider.js';
import { startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.js';
import { auth0Env, signIn, startTestOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';
import { freePort } from './support/redis-server.js';
import {
  startTestRedisCluster,
  startTestRedisSentinel,
  type TestRedisCluster,
  type TestRedisSentinel,
} from './support/redis-topologies.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

const WITHIN_MS = 10_000;
/** How soon a ban must reach the other replica's verified-token cache (as in test/token-propagation.e2e-spec.ts). */
const PROPAGATION_BOUND_MS = 1000;
const person = (email: string): DemoOidcUser => ({ email, password: `pw-${email}`, name: email });
const ADMIN = person('admin@example.com');
const ROOT = person('root@example.com');

interface Topology {
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

async function clusterTopology(): Promise<Topology & { cluster: TestRedisCluster }> {
  const cluster = await startTestRedisCluster();
  return { cluster, env: { REDIS_CLUSTER_NODES: cluster.nodes }, close: () => cluster.close() };
}

async function sentinelTopology(): Promise<Topology & { sentinel: TestRedisSentinel }> {
  const sentinel = await startTestRedisSentinel();
  return { sentinel, env: { REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name }, close: () => sentinel.close() };
}

/** Polls until `check` holds; fails with the last value seen. */
async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + WITHIN_MS;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Replicas {
  topology: Topology;
  upstream: EchoUpstream;
  provider: TestOidcProvider;
  a: TestApp;
  b: GatewayProcess;
  mint(email: string, scopes?: Array<'llm' | 'admin'>): Promise<string>;
  close(): Promise<void>;
}

async function startReplicas(topology: Topology): Promise<Replicas> {
  const upstream = await startEchoUpstream();
  const aUrl = `http://127.0.0.1:${await freePort()}`;
  const provider = await startTestOidcProvider(aUrl, [ADMIN, person('alice@example.com'), person('bob@example.com')]);
  // REDIS_URL only carries credentials here: the topology variables say where Redis is.
  const env = testEnv('redis://127.0.0.1:1', {
    ...topology.env,
    ...auth0Env(provider, aUrl),
    UPSTREAM_URL: upstream.url,
    ADMIN_EMAILS: ADMIN.email,
    SUPER_ADMIN_EMAIL: ROOT.email,
    LOG_LEVEL: 'warn',
  });
  const a = await startTestApp(env);
  const b = await startGatewayProcess(env);
  const tokens = a.get<TokensService>(TokensService);
  return {
    topology,
    upstream,
    provider,
    a,
    b,
    mint: async (email, scopes = ['llm']) => (await tokens.create({ email, scopes, name: 'scale-out', createdVia: 'cli' })).token,
    close: async () => {
      await b.stop();
      await a.close();
      await provider.close();
      await upstream.close();
      await topology.close();
    },
  };
}

async function api(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** A /v1 call's status, with the error code when refused: `401 user_banned`, `401 token_revoked`. */
async function chat(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as { error?: { code?: string; message?: string } };
  return res.ok ? String(res.status) : `${res.status} ${body.error?.code ?? ''}`;
}

function sharedBehaviour(name: string, start: () => Promise<Topology>): void {
  describe(`two replicas on ${name}`, () => {
    let r: Replicas;
    let adminToken: string;

    beforeAll(async () => {
      r = await startReplicas(await start());
      adminToken = await r.mint(ADMIN.email, ['llm', 'admin']);
    }, 90_000);
    afterAll(async () => {
      await r?.close();
    });

    it('serves /v1 on both replicas with a token minted on one, through the official SDK, with the verified email attached', async () => {
      const token = await r.mint('alice@example.com');
      for (const base of [r.a.url, r.b.url]) {
        const client = new OpenAI({ apiKey: token, baseURL: `${base}/v1`, maxRetries: 0 });
        const answer = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
        expect(answer.choices[0].message.content).toBeTruthy();
        expect(r.upstream.requests.at(-1)?.json).toMatchObject({ user: 'alice@example.com' });
      }
    });

    it('creates, lists and revokes tokens through either replica', async () => {
      const own = await r.mint('bob@example.com');
      const created = await api(r.b.url, 'POST', '/api/token/generate', own, { token_name: 'from-b' });
      expect(created.status).toBe(201);
      const child = created.body.token as string;
      expect(await chat(r.a.url, child)).toBe('200');
      const listed = await api(r.a.url, 'GET', '/api/token/list', own);
      expect((listed.body.items as Array<{ token_name: string }>).map((t) => t.token_name)).toContain('from-b');
      const revoked = await api(r.b.url, 'POST', '/api/token/revoke', own, { token_id: created.body.token_id });
      expect(revoked.status).toBe(200);
      await eventually(
        'the revoked token on the other replica',
        () => chat(r.a.url, child),
        (status) => status === '401 token_revoked',
      );
    });

    it('enforces a ban issued through one replica on the other, and lifts it the same way', async () => {
      const token = await r.mint('carol@example.com');
      expect(await chat(r.a.url, token)).toBe('200');
      const banned = await api(r.b.url, 'POST', '/api/admin/sessions/revoke-user', adminToken, {
        user_email: 'carol@example.com',
        reason: 'scale-out test',
      });
      expect(banned.status).toBe(200);
      await eventually(
        'the ban on the other replica',
        () => chat(r.a.url, token),
        (status) => status === '401 user_banned',
      );
      const lifted = await api(r.a.url, 'DELETE', '/api/admin/sessions/unban/carol%40example.com', adminToken);
      expect(lifted.status).toBe(200);
      await eventually(
        'the lifted ban on the other replica',
        () => chat(r.b.url, token),
        (status) => status === '200',
      );
    });

    it('shares browser sessions: signed in through one replica, known to the other, logged out by an admin through either', async () => {
      const browser = r.provider.newBrowser();
      const { response } = await signIn(browser, r.a.url, person('alice@example.com'));
      expect(response.status).toBe(302);
      const onB = await browser.get(`${r.b.url}/api/me`);
      expect(onB.status).toBe(200);
      expect(onB.json<{ email: string }>().email).toBe('alice@example.com');
      const ended = await api(r.b.url, 'POST', '/api/admin/sessions/logout-user', adminToken, { user_email: 'alice@example.com' });
      expect(ended.status).toBe(200);
      expect(ended.body.sessions_ended).toBe(1);
      expect((await browser.get(`${r.a.url}/api/me`)).status).toBe(401);
    });

    it('shares run-time admins: added by the super admin through one replica, an admin on the other', async () => {
      const dave = await r.mint('dave@example.com', ['llm', 'admin']);
      expect((await api(r.a.url, 'GET', '/api/admin/stats', dave)).status).toBe(403);
      const added = await api(r.b.url, 'POST', '/api/admin/manage', await r.mint(ROOT.email, ['llm', 'admin']), {
        email: 'dave@example.com',
      });
      expect(added.status).toBe(201);
      expect((await api(r.a.url, 'GET', '/api/admin/stats', dave)).status).toBe(200);
    });

    it('lets one cleanup run at a time across replicas, and both read its log', async () => {
      const [first, second] = await Promise.all([
        api(r.a.url, 'POST', '/api/admin/redis/cleanup', adminToken),
        api(r.b.url, 'POST', '/api/admin/redis/cleanup', adminToken),
      ]);
      const statuses = [first.status, second.status].sort();
      expect(statuses[0]).toBe(202);
      const jobId = (first.status === 202 ? first.body.job_id : second.body.job_id) as string;
      const job = await eventually(
        'the cleanup job to end',
        () => api(r.b.url, 'GET', `/api/admin/redis/cleanup/jobs/${jobId}`, adminToken),
        (answer) => answer.body.state !== 'running',
      );
      expect({ state: job.body.state, error: job.body.error }).toEqual({ state: 'finished', error: null });
      const logs = await api(r.a.url, 'GET', '/api/admin/redis/cleanup/logs', adminToken);
      expect((logs.body.items as Array<{ run_id: string }>).map((run) => run.run_id)).toContain(jobId);
    });
  });
}

sharedBehaviour('a 3-master Redis Cluster', clusterTopology);
sharedBehaviour('Redis Sentinel (master, replica, three sentinels)', sentinelTopology);

describe('two replicas on Redis Sentinel, through a failover under load', () => {
  let r: Replicas;
  let sentinel: TestRedisSentinel;
  let adminToken: string;

  beforeAll(async () => {
    const topology = await sentinelTopology();
    sentinel = topology.sentinel;
    r = await startReplicas(topology);
    adminToken = await r.mint(ADMIN.email, ['llm', 'admin']);
  }, 90_000);
  afterAll(async () => {
    await r?.close();
  });

  it('waits for a replica to acknowledge a ban; when none does in time the ban stands and its audit entry says so', async () => {
    const audited = async (email: string): Promise<string> => {
      const page = await api(r.a.url, 'GET', `/api/admin/audit?action=user.ban&target=${encodeURIComponent(email)}`, adminToken);
      const entry = (page.body.items as Array<{ target: string; detail: string }>).find((e) => e.target === email);
      if (entry === undefined) throw new Error(`no audit entry for ${email}: ${JSON.stringify(page.body)}`);
      return entry.detail;
    };
    expect((await api(r.a.url, 'POST', '/api/admin/sessions/revoke-user', adminToken, { user_email: 'acked@example.com' })).status).toBe(
      200,
    );
    expect(await audited('acked@example.com')).toBe('');

    const master = await sentinel.masterPort();
    const frozen = sentinel.dataPorts.find((port) => port !== master) ?? 0;
    sentinel.pause(frozen);
    try {
      const token = await r.mint('unacked@example.com');
      const banned = await api(r.a.url, 'POST', '/api/admin/sessions/revoke-user', adminToken, { user_email: 'unacked@example.com' });
      expect(banned.status).toBe(200);
      expect(await chat(r.b.url, token)).toBe('401 user_banned');
      expect(await audited('unacked@example.com')).toMatch(/ban of unacked@example\.com: no Redis replica acknowledged it within \d+ ms/);
    } finally {
      sentinel.resume(frozen);
    }
  });

  it('follows the new master: answers 200 or 503 while it moves, loses no ban or revocation that had returned, then serves again', async () => {
    const banned = await r.mint('mallory@example.com');
    const revoked = await r.mint('trudy@example.com');
    const steady = await r.mint('erin@example.com');
    expect(
      (
        await api(r.a.url, 'POST', '/api/admin/sessions/revoke-user', adminToken, {
          user_email: 'mallory@example.com',
          reason: 'before failover',
        })
      ).status,
    ).toBe(200);
    const revokedId = (JSON.parse(Buffer.from(revoked.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
    expect((await api(r.b.url, 'POST', '/api/token/revoke', revoked, { token_id: revokedId })).status).toBe(200);

    // Load through both replicas for the whole failover.
    const seen = new Map<string, number>();
    let loading = true;
    const load = async (base: string): Promise<void> => {
      while (loading) {
        const status = await chat(base, steady).catch(() => 'connection error');
        seen.set(status, (seen.get(status) ?? 0) + 1);
      }
    };
    const workers = [load(r.a.url), load(r.b.url), load(r.a.url), load(r.b.url)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await sentinel.masterPort();
    const after = await sentinel.failover();
    expect(after).not.toBe(before);
    // Both replicas serve again once they follow the new master.
    for (const base of [r.a.url, r.b.url])
      await eventually(
        `${base} serving after the failover`,
        () => chat(base, steady),
        (status) => status === '200',
      );
    loading = false;
    await Promise.all(workers);

    const statuses = [...seen.keys()].sort();
    expect(statuses.every((status) => status === '200' || status.startsWith('503'))).toBe(true);
    expect(seen.get('200') ?? 0).toBeGreaterThan(0);
    // Never admitted; a replica that is still reconnecting may answer 503 for a moment.
    for (const base of [r.a.url, r.b.url]) {
      for (const [token, refusal] of [
        [banned, '401 user_banned'],
        [revoked, '401 token_revoked'],
      ]) {
        const answers = new Set<string>();
        await eventually(
          `${refusal} through ${base}`,
          async () => {
            const status = await chat(base, token);
            answers.add(status);
            return status;
          },
          (status) => status === refusal,
        );
        expect([...answers].filter((status) => status !== refusal && !status.startsWith('503'))).toEqual([]);
      }
    }
    // The new master takes the security writes. A replica may answer from its token cache before its Redis
    // connection has followed the new master, so a write may still meet the failover window: 503, never
    // anything else, then 200 (an unban is safe to repeat).
    const unbans = new Set<number>();
    await eventually(
      'the unban through B after the failover',
      async () => {
        const status = (await api(r.b.url, 'DELETE', '/api/admin/sessions/unban/mallory%40example.com', adminToken)).status;
        unbans.add(status);
        return status;
      },
      (status) => status === 200,
    );
    expect([...unbans].filter((status) => status !== 200 && status !== 503)).toEqual([]);
    await eventually(
      'the unban after the failover',
      () => chat(r.a.url, banned),
      (status) => status === '200',
    );
  });
});

describe('two replicas on a 3-master Redis Cluster with the verified-token cache on for a minute', () => {
  let r: Replicas;
  let cluster: TestRedisCluster;

  beforeAll(async () => {
    const topology = await clusterTopology();
    cluster = topology.cluster;
    r = await startReplicas({ ...topology, env: { ...topology.env, TOKEN_CACHE_TTL_MS: '60000' } });
  }, 90_000);
  afterAll(async () => {
    await r?.close();
  });

  /** Masters with no subscribed connection: neither replica's invalidation subscriber is there. */
  async function mastersWithoutSubscribers(): Promise<number[]> {
    const quiet: number[] = [];
    for (const port of cluster.ports) {
      const clients = String(await cluster.command(port, 'CLIENT', 'LIST'));
      if (!/ sub=[1-9]/.test(clients)) quiet.push(port);
    }
    return quiet;
  }

  it('refuses a token cached on replica B within a second of a ban through replica A, published on a master neither listens on', async () => {
    const keys = r.a.get<RedisKeys>(RedisKeys);
    const [quiet] = await mastersWithoutSubscribers();
    expect(quiet).toBeDefined();
    // A user whose slot (where the ban script runs and PUBLISHes) is on that master.
    let email = '';
    for (let i = 0; email === ''; i++) {
      if ((await cluster.masterOf(keys.ban(`frank${i}@example.com`))) === quiet) email = `frank${i}@example.com`;
    }
    const token = await r.mint(email);
    // Admitted, and so cached, by B.
    for (let i = 0; i < 5; i++) expect(await chat(r.b.url, token)).toBe('200');
    const admin = await r.mint(ADMIN.email, ['llm', 'admin']);

    expect(
      (await api(r.a.url, 'POST', '/api/admin/sessions/revoke-user', admin, { user_email: email, reason: 'propagation' })).status,
    ).toBe(200);
    const started = performance.now();
    let answer = await chat(r.b.url, token);
    while (answer === '200' && performance.now() - started < 5 * PROPAGATION_BOUND_MS) answer = await chat(r.b.url, token);
    const elapsedMs = performance.now() - started;
    expect(answer).toBe('401 user_banned');
    expect(elapsedMs).toBeLessThan(PROPAGATION_BOUND_MS);
  });
});
