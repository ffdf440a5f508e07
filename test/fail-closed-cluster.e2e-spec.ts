/**
 * The durability checks on a Redis Cluster (three masters, test/support/redis-topologies.ts) look
 * at every master: each master holds a store marker of its own, so one master that comes back
 * empty closes the gateway as a whole Redis would (test/fail-closed-store-reset.e2e-spec.ts), a
 * slot moving between masters is no alarm, and a master that keeps nothing on disk is refused at
 * boot by name. The CLI (dist/cli.js) confirms the reset on every master; needs `nest build`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../src/demo/local-redis.js';
import { startEchoUpstream, type EchoUpstream } from '../src/demo/echo-upstream.js';
import { STORE_RESET_MESSAGE } from '../src/redis/redis-durability.service.js';
import { RedisKeys } from '../src/redis/redis-keys.js';
import { TokensService } from '../src/tokens/tokens.service.js';
import { LogCapture } from './support/log-capture.js';
import { startTestRedisCluster, type TestRedisCluster } from './support/redis-topologies.js';
import { eventually, jsonRequest } from './support/polling.js';
import { startTestApp, testEnv, type TestApp } from './support/test-app.js';

const LOST = 'Redis lost its data; an operator must confirm the reset';

/** The keys of one node matching a pattern, by SCAN. */
async function keysOn(cluster: TestRedisCluster, port: number, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = (await cluster.command(port, 'SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)) as [string, string[]];
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** A gateway in this process on a fresh 3-master Cluster, its logs captured, and the CLI on the same environment. */
function clusterGateway(): {
  readonly cluster: () => TestRedisCluster;
  readonly gw: () => TestApp;
  readonly logs: LogCapture;
  readonly env: () => Record<string, string>;
  cli(...args: string[]): Record<string, unknown>;
  health(): Promise<{ status: number; body: Record<string, unknown> }>;
  markersOn(port: number): Promise<string[]>;
} {
  let cluster: TestRedisCluster;
  let upstream: EchoUpstream;
  let gw: TestApp;
  let env: Record<string, string>;
  const logs = new LogCapture();
  beforeAll(async () => {
    cluster = await startTestRedisCluster();
    upstream = await startEchoUpstream();
    // REDIS_URL only carries credentials here: REDIS_CLUSTER_NODES says where Redis is.
    env = testEnv('redis://127.0.0.1:1', { REDIS_CLUSTER_NODES: cluster.nodes, UPSTREAM_URL: upstream.url });
    gw = await startTestApp(env, { logger: logs });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
    await cluster?.close();
  });
  return {
    cluster: () => cluster,
    gw: () => gw,
    logs,
    env: () => env,
    cli: (...args) => {
      const { PATH, HOME } = process.env;
      const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { env: { PATH, HOME, ...env }, encoding: 'utf8', timeout: 20_000 });
      if (run.status !== 0) throw new Error(`CLI exited ${String(run.status)}: ${run.stderr}`);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    },
    health: () => jsonRequest(`${gw.url}/health`),
    markersOn: (port) => keysOn(cluster, port, `${gw.get<RedisKeys>(RedisKeys).prefix}store:marker*`),
  };
}

describe('a Redis Cluster master that came back empty', () => {
  const g = clusterGateway();

  it('closes the gateway when one master is flushed, not the one the single store:marker key lives on, until confirm-reset', async () => {
    const cluster = g.cluster();
    const gw = g.gw();
    const keys = gw.get<RedisKeys>(RedisKeys);
    const token = (await gw.get<TokensService>(TokensService).create({ email: 'alice@example.com', createdVia: 'cli' })).token;
    const v1 = () => jsonRequest(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    expect((await v1()).status).toBe(200);
    expect((await g.health()).status).toBe(200);
    // Every master holds a marker of its own.
    for (const port of cluster.ports) expect(await g.markersOn(port)).toHaveLength(1);

    const singleKeyMaster = await cluster.masterOf(keys.storeMarker());
    const victim = cluster.ports.find((port) => port !== singleKeyMaster) ?? 0;
    await cluster.command(victim, 'FLUSHALL');

    expect(await g.health()).toEqual({ status: 503, body: { status: 'unavailable', redis: 'down', reason: LOST } });
    expect(await v1()).toEqual({
      status: 503,
      body: { type: 'error', error: { type: 'overloaded_error', message: STORE_RESET_MESSAGE, code: 'service_unavailable' } },
    });
    const fatal = g.logs
      .of('RedisDurability')
      .filter((line) => line.level === 'fatal')
      .map((line) => line.message);
    expect(fatal).toEqual([expect.stringContaining(`Redis lost its data (the store marker of the master at 127.0.0.1:${victim} is gone)`)]);

    expect(g.cli('redis', 'confirm-reset')).toMatchObject({ confirmed: true, marker_was: 'missing', persistence: 'none' });
    await eventually('/health is ready again', async () => (await g.health()).status === 200);
    const status = g.cli('redis', 'status');
    expect(status).toMatchObject({ persistence: 'none', marker: 'present', marker_value: expect.stringMatching(/^confirmed:/) });
    expect(Object.keys(status.marker_by_master as object).sort()).toEqual(cluster.ports.map((port) => `127.0.0.1:${port}`).sort());
    expect(status.persistence_by_master).toEqual(Object.fromEntries(cluster.ports.map((port) => [`127.0.0.1:${port}`, 'none'])));
  });
});

describe('a Redis Cluster resharding', () => {
  const g = clusterGateway();

  it('moves a master’s marker with its slot without an alarm, gives that master a new one, and still sees it lose its data', async () => {
    const cluster = g.cluster();
    expect((await g.health()).status).toBe(200);
    const [giver, taker] = cluster.ports;
    const [marker] = await g.markersOn(giver);
    const slot = Number(await cluster.command(giver, 'CLUSTER', 'KEYSLOT', marker));

    await cluster.moveSlot(slot, taker);
    expect(await g.markersOn(taker)).toContain(marker);
    // Readiness checks the markers each time: the one that moved is found where its slot went, and the giver gets a new one.
    const statuses = new Set<number>();
    await eventually('a new marker on the master that gave its slot away', async () => {
      statuses.add((await g.health()).status);
      return (await g.markersOn(giver)).length === 1;
    });
    for (let i = 0; i < 5; i++) statuses.add((await g.health()).status);
    expect([...statuses]).toEqual([200]);
    expect(g.logs.of('RedisDurability').filter((line) => line.level === 'fatal')).toEqual([]);

    await cluster.command(giver, 'FLUSHALL');
    expect(await g.health()).toEqual({ status: 503, body: { status: 'unavailable', redis: 'down', reason: LOST } });
  });
});

interface Gateway {
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  readonly process: ChildProcess;
  readonly url: string;
}

describe('persistence of every Redis Cluster master at boot', () => {
  let cluster: TestRedisCluster;
  let gateway: Gateway | undefined;
  beforeAll(async () => {
    cluster = await startTestRedisCluster();
  }, 60_000);
  afterEach(async () => {
    if (gateway !== undefined && gateway.process.exitCode === null && gateway.process.signalCode === null) gateway.process.kill('SIGKILL');
    await gateway?.exited;
    gateway = undefined;
  });
  afterAll(async () => {
    await cluster?.close();
  });

  async function spawnGateway(): Promise<Gateway> {
    const port = await freePort();
    const { PATH, HOME } = process.env;
    const env = testEnv('redis://127.0.0.1:1', { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_ALLOW_EPHEMERAL: 'false', LOG_LEVEL: 'warn' });
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: { PATH, HOME, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    gateway = {
      output: () => output,
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
      process: child,
      url: `http://127.0.0.1:${port}`,
    };
    return gateway;
  }

  /** The /health status once the gateway answers, or 'exited' if it stops first. */
  async function firstAnswer(started: Gateway): Promise<number | 'exited'> {
    let exited = false;
    void started.exited.then(() => (exited = true));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (exited) return 'exited';
      const status = await fetch(`${started.url}/health`).then(
        (res) => res.status,
        () => null,
      );
      if (status !== null) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the gateway neither answered nor exited:\n${started.output()}`);
  }

  it('refuses to start when one master keeps nothing on disk, naming that master', async () => {
    const [bare, ...persisting] = cluster.ports;
    for (const port of persisting) await cluster.command(port, 'CONFIG', 'SET', 'appendonly', 'yes');
    await cluster.command(bare, 'CONFIG', 'SET', 'appendonly', 'no');
    const started = await spawnGateway();
    expect(await firstAnswer(started)).toBe('exited');
    expect(await started.exited).toBe(1);
    const refusal = started
      .output()
      .split('\n')
      .filter((line) => line.includes('Redis keeps nothing on disk'));
    expect(refusal.length).toBeGreaterThan(0);
    for (const line of refusal) {
      expect(line).toContain(`Redis keeps nothing on disk at 127.0.0.1:${bare} (no AOF, no RDB save policy)`);
      for (const port of persisting) expect(line).not.toContain(`:${port}`);
    }
  });

  it('starts once every master has AOF', async () => {
    for (const port of cluster.ports) await cluster.command(port, 'CONFIG', 'SET', 'appendonly', 'yes');
    expect(await firstAnswer(await spawnGateway())).toBe(200);
  });
});
