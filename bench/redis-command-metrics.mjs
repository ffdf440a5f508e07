/**
 * What timing every Redis command costs (src/metrics/redis-command-metrics.ts): the same GETs on
 * two clients of one local redis-server, one plain and one instrumented, in alternating rounds,
 * one at a time and 200 at once (auto-pipelined, as /v1 admissions are under load). Prints the
 * median wall time and CPU time per command of each. Run after `npx nest build`:
 * `node bench/redis-command-metrics.mjs`. Starts and stops its own redis-server.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { GatewayMetrics } from '../dist/metrics/gateway-metrics.js';
import { instrumentRedisClient } from '../dist/metrics/redis-command-metrics.js';

const ROUNDS = 7;
const SEQUENTIAL = 5_000;
const PIPELINED = 100_000;
const BATCH = 200;

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = server.address();
    server.close(() => resolve(p));
  });
});
const redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
  stdio: 'ignore',
});
try {
  const options = { enableAutoPipelining: true, enableOfflineQueue: true, maxRetriesPerRequest: 1 };
  const plain = new Redis(`redis://127.0.0.1:${port}`, options);
  const timed = new Redis(`redis://127.0.0.1:${port}`, options);
  for (const client of [plain, timed]) client.on('error', () => undefined);
  instrumentRedisClient(timed, new GatewayMetrics());
  for (let i = 0; i < 50 && (await plain.ping().catch(() => null)) !== 'PONG'; i++) await sleep(100);
  await plain.set('bench:key', 'value');

  const sequential = async (client) => {
    for (let i = 0; i < SEQUENTIAL; i++) await client.get('bench:key');
    return SEQUENTIAL;
  };
  const pipelined = async (client) => {
    for (let i = 0; i < PIPELINED; i += BATCH) await Promise.all(Array.from({ length: BATCH }, () => client.get('bench:key')));
    return PIPELINED;
  };
  const measure = async (client, run) => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const n = await run(client);
    const wallNs = Number(process.hrtime.bigint() - started) / n;
    const { user, system } = process.cpuUsage(cpu);
    return { wallNs, cpuNs: ((user + system) * 1000) / n };
  };
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

  for (const [label, run] of [
    ['one at a time', sequential],
    [`${BATCH} at once`, pipelined],
  ]) {
    await run(plain);
    await run(timed);
    const results = { plain: [], timed: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating order, so a busy moment of the machine falls on both.
      const order = round % 2 === 0 ? ['plain', 'timed'] : ['timed', 'plain'];
      for (const which of order) results[which].push(await measure(which === 'plain' ? plain : timed, run));
    }
    const row = (which) => ({ wall: median(results[which].map((r) => r.wallNs)), cpu: median(results[which].map((r) => r.cpuNs)) });
    const p = row('plain');
    const t = row('timed');
    console.log(
      `${label.padEnd(14)} plain: ${p.wall.toFixed(0)} ns wall, ${p.cpu.toFixed(0)} ns CPU per command; ` +
        `timed: ${t.wall.toFixed(0)} ns wall, ${t.cpu.toFixed(0)} ns CPU; difference: ${(t.wall - p.wall).toFixed(0)} ns wall, ${(t.cpu - p.cpu).toFixed(0)} ns CPU`,
    );
  }
  plain.disconnect();
  timed.disconnect();
} finally {
  redisServer.kill();
}
