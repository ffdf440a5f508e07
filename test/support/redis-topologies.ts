/**
 * Redis topologies past one node, built from the real `redis-server` on free ports, for the
 * scale-out suites: a Redis Cluster of three masters, and a Sentinel set-up (a master, a replica,
 * three sentinels). Each lives in a temporary directory removed by close(). Nothing is persisted
 * to disk except what Redis needs to run (the cluster's node files, the sentinels' config files).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../src/demo/local-redis.js';

const run = promisify(execFile);
const WAIT_MS = 30_000;

interface Node {
  readonly port: number;
  readonly process: ChildProcess;
}

function startServer(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.on('error', () => undefined);
  return child;
}

async function stopAll(nodes: readonly Node[]): Promise<void> {
  await Promise.all(
    nodes.map(
      (node) =>
        new Promise<void>((resolve) => {
          if (node.process.exitCode !== null || node.process.signalCode !== null) return resolve();
          node.process.once('exit', () => resolve());
          node.process.kill('SIGKILL');
        }),
    ),
  );
}

/** A short-lived client for one node; closed by the caller. */
function nodeClient(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  return client;
}

async function ask(port: number, ...command: [string, ...(string | number)[]]): Promise<unknown> {
  const client = nodeClient(port);
  try {
    await client.connect();
    return await client.call(...command);
  } finally {
    client.disconnect();
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface TestRedisCluster {
  /** `host:port,host:port,host:port`: the value of REDIS_CLUSTER_NODES. */
  readonly nodes: string;
  readonly ports: readonly number[];
  /** One command on the node at a port (FLUSHALL, CONFIG SET, SCAN, ...), on a connection of its own. */
  command(port: number, ...command: [string, ...(string | number)[]]): Promise<unknown>;
  /** The port of the master serving a key's slot. */
  masterOf(key: string): Promise<number>;
  /** Moves one slot, with its keys, to the master at a port, as a resharding does (MIGRATING/IMPORTING, MIGRATE, SETSLOT NODE). */
  moveSlot(slot: number, toPort: number): Promise<void>;
  close(): Promise<void>;
}

/** The port of the master serving a slot, from CLUSTER SLOTS as one node sees it. */
async function masterOfSlot(askedPort: number, slot: number): Promise<number> {
  const ranges = (await ask(askedPort, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
  const range = ranges.find(([first, last]) => first <= slot && slot <= last);
  if (range === undefined) throw new Error(`no master serves slot ${slot}`);
  return range[2][1];
}

async function moveSlot(ports: readonly number[], slot: number, to: number): Promise<void> {
  const from = await masterOfSlot(to, slot);
  if (from === to) return;
  const fromId = String(await ask(from, 'CLUSTER', 'MYID'));
  const toId = String(await ask(to, 'CLUSTER', 'MYID'));
  await ask(to, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', fromId);
  await ask(from, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', toId);
  for (;;) {
    const keys = (await ask(from, 'CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
    if (keys.length === 0) break;
    await ask(from, 'MIGRATE', '127.0.0.1', to, '', 0, 5000, 'KEYS', ...keys);
  }
  for (const port of [to, from, ...ports.filter((p) => p !== to && p !== from)]) await ask(port, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId);
  for (const port of ports) await until(`node ${port} to see slot ${slot} on ${to}`, async () => (await masterOfSlot(port, slot)) === to);
}

/** Three masters, slots spread over them, no replicas; ready (cluster_state:ok on every node) when it resolves. */
export async function startTestRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-cluster-'));
  const nodes: Node[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const busPort = await freePort();
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(busPort),
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-node-timeout',
        '2000',
      ];
      nodes.push({ port, process: startServer(args) });
    }
    for (const node of nodes) await until(`cluster node ${node.port}`, async () => (await ask(node.port, 'PING')) === 'PONG');
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const node of nodes) {
      await until(`cluster_state:ok on ${node.port}`, async () => /cluster_state:ok/.test(String(await ask(node.port, 'CLUSTER', 'INFO'))));
    }
  } catch (err) {
    await stopAll(nodes);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const ports = nodes.map((n) => n.port);
  return {
    nodes: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    ports,
    command: (port, ...command) => ask(port, ...command),
    masterOf: async (key) => masterOfSlot(ports[0], Number(await ask(ports[0], 'CLUSTER', 'KEYSLOT', key))),
    moveSlot: (slot, to) => moveSlot(ports, slot, to),
    close: async () => {
      await stopAll(nodes);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestRedisSentinel {
  /** `host:port,host:port,host:port`: the value of REDIS_SENTINELS. */
  readonly sentinels: string;
  /** The value of REDIS_SENTINEL_NAME. */
  readonly name: string;
  /** The ports of the two data nodes (the first starts as master). */
  readonly dataPorts: readonly number[];
  /** The port of the current master, as the sentinels report it. */
  masterPort(): Promise<number>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the data node on a port: connections stay open, nothing is answered. */
  pause(port: number): void;
  resume(port: number): void;
  /** Asks the sentinels for a failover and resolves once they report a new master that answers as one. */
  failover(): Promise<number>;
  close(): Promise<void>;
}

/** One master, one replica, three sentinels (quorum 2); ready when the sentinels agree on both nodes. */
export async function startTestRedisSentinel(name = 'gateway'): Promise<TestRedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-sentinel-'));
  const data: Node[] = [];
  const sentinels: Node[] = [];
  const all = (): Node[] => [...data, ...sentinels];
  const masterPort = async (): Promise<number> => {
    const reply = (await ask(sentinels[0].port, 'SENTINEL', 'get-master-addr-by-name', name)) as string[] | null;
    if (!reply) throw new Error('no master known to the sentinels');
    return Number(reply[1]);
  };
  try {
    const masterPortNumber = await freePort();
    const replicaPort = await freePort();
    const base = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    data.push({ port: masterPortNumber, process: startServer(['--port', String(masterPortNumber), ...base]) });
    data.push({
      port: replicaPort,
      process: startServer(['--port', String(replicaPort), ...base, '--replicaof', '127.0.0.1', String(masterPortNumber)]),
    });
    await until('the replica in sync', async () => /master_link_status:up/.test(String(await ask(replicaPort, 'INFO', 'replication'))));
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPortNumber} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push({ port, process: startServer([file, '--sentinel']) });
    }
    for (const sentinel of sentinels) {
      await until(`sentinel ${sentinel.port} to see the replica and the other sentinels`, async () => {
        const replicas = (await ask(sentinel.port, 'SENTINEL', 'replicas', name)) as unknown[];
        const peers = (await ask(sentinel.port, 'SENTINEL', 'sentinels', name)) as unknown[];
        return replicas.length === 1 && peers.length === 2;
      });
    }
  } catch (err) {
    await stopAll(all());
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    sentinels: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    name,
    dataPorts: data.map((d) => d.port),
    masterPort,
    pause: (port) => data.find((d) => d.port === port)?.process.kill('SIGSTOP'),
    resume: (port) => data.find((d) => d.port === port)?.process.kill('SIGCONT'),
    failover: async () => {
      const before = await masterPort();
      await ask(sentinels[0].port, 'SENTINEL', 'FAILOVER', name);
      let after = before;
      await until('a new master', async () => {
        after = await masterPort();
        if (after === before) return false;
        return /role:master/.test(String(await ask(after, 'INFO', 'replication')));
      });
      return after;
    },
    close: async () => {
      await stopAll(all());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
