/**
 * `npm run bench`: the gateway's overhead, measured in one run against the direct upstream call
 * and a bare Node proxy. Starts its own redis-server, upstream, bare proxy and production gateway
 * (dist/), mints a token with the ops CLI, drives the load from a separate process, prints a
 * table and writes bench/results/latest.json. Reports the issue's targets but always exits 0
 * when the measurement itself ran. Flags: --quick (shorter run), --cpu-prof (profile the gateway
 * in the last sequential and 50-connection rounds into bench/results/gateway-*.cpuprofile and
 * summarise the hot spots; profiled rounds count only when there is no other).
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { summariseProfile } from './profile-summary.mjs';
import { measurePropagation } from './propagation.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH_DIR);
const RESULTS_DIR = join(BENCH_DIR, 'results');
const GUARD = pathToFileURL(join(BENCH_DIR, 'child-guard.mjs')).href;
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const CPU_PROF = args.has('--cpu-prof');
const PROFILE_FILE = join(RESULTS_DIR, 'gateway.cpuprofile.tmp');
const profileFileOf = (phase) => join(RESULTS_DIR, `gateway-${phase}.cpuprofile`);
/**
 * The build measured: `npm run bench` compiles into bench/results/build (npm run build, production
 * settings) so that it neither empties nor depends on the dist/ others use; BENCH_DIST=path/to/dist
 * measures another build (an A/B of a change).
 */
const DIST = resolve(process.env.BENCH_DIST ?? join(RESULTS_DIR, 'build'));

const PLAN = {
  rounds: QUICK ? 1 : 2,
  sequential: { warmup: QUICK ? 200 : 500, count: QUICK ? 1000 : 2000 },
  concurrent: { connections: 50, warmupSeconds: QUICK ? 1 : 2, seconds: QUICK ? 3 : 5 },
  stream: { warmup: 3, count: QUICK ? 10 : 30, events: 20, gapMs: 2 },
  // Concurrent SSE streams held open (BENCH_HELD=1000,5000 to choose); each must get its first event within the timeout.
  held: {
    counts: (process.env.BENCH_HELD ?? (QUICK ? '100,1000' : '100,1000,5000'))
      .split(',')
      .map(Number)
      .filter((n) => n > 0),
    firstEventTimeoutMs: 15_000,
  },
  // How the cost grows with concurrent connections (bare pipe and gateway).
  scaling: { connections: [1, 10, 50, 200], seconds: QUICK ? 2 : 3 },
  // Revocation propagation between two replicas: trials of revoke, and as many of ban.
  propagation: { trials: 100 },
};
const DEADLINE_MS = 300_000;
const TARGETS = { addedP50Ms: 0.5, throughputVsBare: 0.5 };
/** Issue #10: the gateway against the bare pipe, as ratios measured in the same run. */
const PIPE_TARGETS = { cpuPerRequest: 1.3, throughput: 0.8, addedP50: 1.2 };
/** Issue #10: a revoke or ban through one replica is refused by another within this, p99. */
const PROPAGATION_TARGET_MS = 50;
const BENCH_ADMIN = 'admin@bench.example';
const BENCH_BANNED = 'banned@bench.example';

const children = [];
let stopping = false;

// ---------- processes ----------

function track(name, child, { transient = false } = {}) {
  const entry = { name, child, exited: false, output: '' };
  const keep = (chunk) => {
    entry.output = (entry.output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    entry.exited = true;
    if (!stopping && !transient) process.stderr.write(`bench: ${name} exited early (${signal ?? code})\n${entry.output}\n`);
  });
  children.push(entry);
  return entry;
}

async function stopAll() {
  if (stopping) return;
  stopping = true;
  const alive = () => children.filter((c) => !c.exited);
  for (const c of alive()) c.child.kill('SIGTERM');
  for (let i = 0; i < 60 && alive().length > 0; i++) await sleep(50);
  for (const c of alive()) c.child.kill('SIGKILL');
}

process.on('exit', () => {
  for (const c of children) if (!c.exited) c.child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function nodeChildEnv(extra = {}) {
  return { PATH: process.env.PATH, HOME: process.env.HOME, BENCH_PARENT_PID: String(process.pid), ...extra };
}

/** Forks a bench/*.mjs helper and waits for its {ready} message. */
async function forkHelper(name, file, env) {
  const child = fork(join(BENCH_DIR, file), [], {
    env: nodeChildEnv(env),
    execArgv: ['--import', GUARD],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const entry = track(name, child);
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', () => reject(new Error(`${name} exited before it was ready:\n${entry.output}`)));
  });
  return { ...entry, ...ready, pid: child.pid };
}

async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = track('redis-server', child);
  for (let i = 0; i < 100; i++) {
    if (await redisPing(port)) return { ...entry, port, pid: child.pid, url: `redis://127.0.0.1:${port}` };
    if (entry.exited) break;
    await sleep(50);
  }
  throw new Error(`redis-server did not start:\n${entry.output}`);
}

function redisPing(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Node's flags of the production start (`npm start`, and the Docker image's CMD, which a test keeps
 * alike): the gateway is measured as it runs. BENCH_NODE_FLAGS="..." measures other flags.
 */
function productionNodeFlags() {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const words = start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('dist/main.js'));
}

async function startGateway(env, cwd, dist, name = 'gateway') {
  const child = spawn(process.execPath, [...productionNodeFlags(), '--import', GUARD, join(dist, 'main.js')], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const entry = track(name, child);
  const base = `http://127.0.0.1:${env.PORT}`;
  for (let i = 0; i < 600; i++) {
    const res = await httpCall(`${base}/health`).catch(() => null);
    if (res?.status === 200) return { ...entry, pid: child.pid, url: base };
    if (entry.exited) break;
    await sleep(50);
  }
  throw new Error(`gateway did not become healthy:\n${entry.output}`);
}

function run(file, argv, env, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const entry = track(`${file} ${argv.slice(0, 2).join(' ')}`, child, { transient: true });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${file} ${argv.join(' ')} failed (${code}):\n${entry.output}`));
    });
  });
}

function httpCall(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers, timeout: 5000 },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

// ---------- CPU accounting from /proc ----------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in µs: tick-sampled, comparable with /proc/stat. */
function cpuTicksUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

/**
 * On-CPU time of a process and all its threads, in µs, from the scheduler's exact accounting
 * (/proc/PID/task/TID/schedstat); tick sampling is too coarse for a process that wakes for a
 * few hundred µs at a time. Falls back to utime + stime where schedstat is missing.
 */
function cpuUs(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch (err) {
        if (err.code !== 'ENOENT' && err.code !== 'ESRCH') throw err;
      }
    }
    return ns / 1000;
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    return cpuTicksUs(pid);
  }
}

/** Resident set size of a process, in KB. */
function rssKb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? NaN);
}

/** CPU time the whole machine spent busy (all cores), in µs. */
function machineBusyUs() {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // user nice system: what processes' utime + stime add up to (irq and softirq time is not theirs).
  const busy = ticks[0] + ticks[1] + ticks[2];
  return (busy * 1e6) / CLK_TCK;
}

function cpuSnapshot(pids) {
  const all = { ...pids, self: process.pid };
  return {
    cpu: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuUs(pid)])),
    ticks: Object.values(all).reduce((sum, pid) => sum + cpuTicksUs(pid), 0),
    machine: machineBusyUs(),
    at: performance.now() * 1000,
  };
}

/** Cores' worth of CPU used by processes that are not part of the benchmark, between two snapshots. */
function otherLoad(before, after) {
  return Math.max(0, (after.machine - before.machine - (after.ticks - before.ticks)) / (after.at - before.at));
}

function cpuPerRequest(before, after, requests) {
  return Object.fromEntries(
    Object.keys(before.cpu).map((name) => [name, requests > 0 ? (after.cpu[name] - before.cpu[name]) / requests : null]),
  );
}

/** Asks the gateway's child-guard to write its profile, waits until it is there, and names it after the phase. */
async function stopProfile(pid, phase) {
  process.kill(pid, 'SIGWINCH');
  for (let i = 0; i < 100 && !existsSync(PROFILE_FILE); i++) await sleep(50);
  if (existsSync(PROFILE_FILE)) renameSync(PROFILE_FILE, profileFileOf(phase));
}

// ---------- load generator ----------

async function startLoader() {
  const loader = await forkHelper('load generator', 'load.mjs', {});
  let nextId = 1;
  const pending = new Map();
  loader.child.on('message', (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  });
  loader.child.on('exit', () => {
    for (const p of pending.values()) p.reject(new Error('load generator exited'));
  });
  const send = (job) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      loader.child.send({ ...job, id });
    });
  return { send, pid: loader.pid };
}

// ---------- the request ----------

function chatBody(stream) {
  const body = {
    model: 'bench-model',
    messages: [
      { role: 'system', content: 'You are a concise assistant. Answer in one short paragraph and do not repeat the question.' },
      { role: 'user', content: '' },
    ],
    temperature: 0.2,
    max_tokens: 256,
    stream,
  };
  const filler = 'Please summarise the following notes about the quarterly planning meeting. ';
  while (JSON.stringify(body).length < 1024) body.messages[1].content += filler;
  body.messages[1].content = body.messages[1].content.slice(0, body.messages[1].content.length - (JSON.stringify(body).length - 1024));
  return JSON.stringify(body);
}

// ---------- report ----------

const ms = (us) => (us === null || us === undefined ? '-' : (us / 1000).toFixed(3));
const signedMs = (us) => (us === null ? '-' : `${us >= 0 ? '+' : ''}${(us / 1000).toFixed(3)}`);
const num = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));

function table(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function verdict(pass) {
  return pass ? 'PASS' : 'MISS';
}

/** The checked-out commit, or null outside a git checkout (e.g. a source tarball). */
function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

// ---------- main ----------

async function main() {
  const started = Date.now();
  const deadline = setTimeout(() => {
    process.stderr.write(`bench: over ${DEADLINE_MS / 1000}s, giving up\n`);
    void stopAll().finally(() => process.exit(1));
  }, DEADLINE_MS);
  deadline.unref();

  for (const file of ['main.js', 'cli.js']) {
    if (!existsSync(join(DIST, file))) throw new Error(`${join(DIST, file)} is missing: npm run bench builds it`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  // Run from a private copy: with BENCH_DIST=dist, another `nest build` could empty it mid-run.
  // The copy sits inside the repository so that its imports still find node_modules.
  for (const stale of readdirSync(RESULTS_DIR).filter((f) => /^dist-\d+$/.test(f) && !isAlive(Number(f.slice(5))))) {
    rmSync(join(RESULTS_DIR, stale), { recursive: true, force: true });
  }
  const dist = join(RESULTS_DIR, `dist-${process.pid}`);
  process.on('exit', () => rmSync(dist, { recursive: true, force: true }));
  cpSync(DIST, dist, { recursive: true });

  // The gateway and the CLI run in an empty directory so a developer's .env cannot change them.
  const cwd = mkdtempSync(join(tmpdir(), 'llmgw-bench-'));
  process.on('exit', () => rmSync(cwd, { recursive: true, force: true }));
  const redis = await startRedis();
  const upstream = await forkHelper('upstream', 'upstream.mjs', {
    SSE_EVENTS: String(PLAN.stream.events),
    SSE_GAP_MS: String(PLAN.stream.gapMs),
    BENCH_KILL_ON_ORPHAN: String(redis.pid),
  });
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const bare = await forkHelper('bare proxy', 'bare-proxy.mjs', { UPSTREAM_URL: upstreamUrl });
  const gatewayEnv = nodeChildEnv({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:`,
    REDIS_ALLOW_EPHEMERAL: 'true',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    UPSTREAM_URL: upstreamUrl,
    // Access lines (info) are not built at warn; BENCH_LOG_LEVEL=log measures them written to a pipe.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ADMIN_EMAILS: BENCH_ADMIN,
    // BENCH_UPSTREAM_MAX_SOCKETS=512 reproduces the old default (streams past it queued in silence).
    ...(process.env.BENCH_UPSTREAM_MAX_SOCKETS ? { UPSTREAM_MAX_SOCKETS: process.env.BENCH_UPSTREAM_MAX_SOCKETS } : {}),
    // BENCH_UPSTREAM_CLIENT=http measures Node's own client instead of undici (UPSTREAM_CLIENT).
    ...(process.env.BENCH_UPSTREAM_CLIENT ? { UPSTREAM_CLIENT: process.env.BENCH_UPSTREAM_CLIENT } : {}),
    ...(CPU_PROF ? { BENCH_PROFILE_FILE: PROFILE_FILE } : {}),
  });
  for (const file of [PROFILE_FILE, profileFileOf('sequential'), profileFileOf('concurrent')]) rmSync(file, { force: true });
  const gateway = await startGateway(gatewayEnv, cwd, dist);
  const minted = JSON.parse(
    await run(join(dist, 'cli.js'), ['token', 'create', '--email', 'bench@example.com', '--name', 'bench'], gatewayEnv, cwd),
  );
  if (typeof minted.token !== 'string') throw new Error('the CLI did not print a token');

  const targets = [
    { key: 'direct', label: 'direct upstream', url: upstreamUrl },
    { key: 'bare', label: 'bare Node proxy', url: `http://127.0.0.1:${bare.port}` },
    { key: 'gateway', label: 'gateway', url: gateway.url },
  ];
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${minted.token}` };
  const body = chatBody(false);
  const streamBody = chatBody(true);
  const path = '/v1/chat/completions';

  // Sanity: every target answers the same bytes, and the gateway really authenticates.
  for (const t of targets) {
    const res = await httpCall(`${t.url}${path}`, { method: 'POST', headers, body });
    if (res.status !== 200 || Buffer.byteLength(res.body) !== upstream.bodyBytes)
      throw new Error(`${t.label} answered ${res.status}: ${res.body.slice(0, 200)}`);
  }
  const anonymous = await httpCall(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (anonymous.status !== 401) throw new Error(`the gateway answered ${anonymous.status} without a token`);
  // A gateway in service has seen admin actions: one audited action (an unban of nobody) before the
  // load, so what an admin action leaves behind in the process (e.g. async hooks) is in the figures.
  const admin = JSON.parse(
    await run(
      join(dist, 'cli.js'),
      ['token', 'create', '--email', BENCH_ADMIN, '--name', 'bench-admin', '--scopes', 'llm,admin'],
      gatewayEnv,
      cwd,
    ),
  ).token;
  const unban = await httpCall(`${gateway.url}/api/admin/sessions/unban/${encodeURIComponent(BENCH_BANNED)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${admin}` },
  });
  if (unban.status !== 404) throw new Error(`the admin action before the load answered ${unban.status}: ${unban.body.slice(0, 200)}`);

  const { send, pid: loaderPid } = await startLoader();
  const cpuPids = { gateway: gateway.pid, bare: bare.pid, upstream: upstream.pid, redis: redis.pid, loader: loaderPid };
  const results = Object.fromEntries(targets.map((t) => [t.key, { rounds: { sequential: [], concurrent: [] } }]));
  const seqJob = (t, count) => ({
    kind: 'sequential',
    url: `${t.url}${path}`,
    headers,
    body,
    count,
    warmup: 0,
    expectBytes: upstream.bodyBytes,
  });
  const concJob = (t, seconds) => ({
    kind: 'concurrent',
    url: `${t.url}${path}`,
    headers,
    body,
    connections: PLAN.concurrent.connections,
    seconds,
  });

  process.stderr.write(
    `bench: warming up, then ${PLAN.rounds} round(s) of: sequential x${PLAN.sequential.count}, ${PLAN.concurrent.connections} connections x${PLAN.concurrent.seconds}s; then ${PLAN.stream.count} streams; per target\n`,
  );
  // Warm every process up first: the JIT and the connection pools settle before anything counts.
  for (const t of targets) {
    await send(concJob(t, PLAN.concurrent.warmupSeconds));
    await send(seqJob(t, PLAN.sequential.warmup));
  }
  for (let round = 0; round < PLAN.rounds; round++) {
    const profiling = (t) => CPU_PROF && t.key === 'gateway' && round === PLAN.rounds - 1;
    for (const t of targets) {
      if (profiling(t)) process.kill(gateway.pid, 'SIGWINCH');
      const before = cpuSnapshot(cpuPids);
      const r = await send(seqJob(t, PLAN.sequential.count));
      const after = cpuSnapshot(cpuPids);
      if (profiling(t)) await stopProfile(gateway.pid, 'sequential');
      r.cpuUsPerRequest = cpuPerRequest(before, after, r.latencyUs.n + r.errors);
      r.otherLoadCores = otherLoad(before, after);
      r.profiled = profiling(t);
      results[t.key].rounds.sequential.push(r);
    }
    for (const t of targets) {
      if (profiling(t)) process.kill(gateway.pid, 'SIGWINCH');
      const before = cpuSnapshot(cpuPids);
      const r = await send(concJob(t, PLAN.concurrent.seconds));
      const after = cpuSnapshot(cpuPids);
      if (profiling(t)) await stopProfile(gateway.pid, 'concurrent');
      r.cpuUsPerRequest = cpuPerRequest(before, after, r.requests);
      r.otherLoadCores = otherLoad(before, after);
      r.profiled = profiling(t);
      results[t.key].rounds.concurrent.push(r);
    }
  }
  for (const t of targets) {
    const rounds = results[t.key].rounds;
    // Best round: the one least disturbed by whatever else the machine was doing.
    const unprofiled = (list) => (list.some((r) => !r.profiled) ? list.filter((r) => !r.profiled) : list);
    results[t.key].sequential = unprofiled(rounds.sequential).reduce((a, b) => (b.latencyUs.p50 < a.latencyUs.p50 ? b : a));
    results[t.key].concurrent = unprofiled(rounds.concurrent).reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    results[t.key].errorsAllRounds =
      rounds.sequential.reduce((n, r) => n + r.errors, 0) + rounds.concurrent.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0);
  }
  // Cost against connections: the pipe and the gateway at 1, 10, 50 and 200 connections.
  const scaling = [];
  for (const connections of PLAN.scaling.connections) {
    const row = { connections };
    for (const t of targets.filter((x) => x.key !== 'direct')) {
      const before = cpuSnapshot(cpuPids);
      const r = await send({ ...concJob(t, PLAN.scaling.seconds), connections });
      const after = cpuSnapshot(cpuPids);
      row[t.key] = {
        reqPerSec: r.reqPerSec,
        latencyMs: r.latencyMs,
        errors: r.errors + r.timeouts + r.non2xx,
        cpuUsPerRequest: cpuPerRequest(before, after, r.requests)[t.key],
        redisCpuUsPerRequest: t.key === 'gateway' ? cpuPerRequest(before, after, r.requests).redis : null,
        otherLoadCores: otherLoad(before, after),
      };
    }
    scaling.push(row);
  }
  for (const t of targets) {
    results[t.key].stream = await send({
      kind: 'stream',
      url: `${t.url}${path}`,
      headers,
      body: streamBody,
      count: PLAN.stream.count,
      warmup: PLAN.stream.warmup,
    });
  }
  // Held streams: N SSE calls at once, each held open by the upstream after its first event. RSS is
  // sampled before and while they are held; the difference over N is the memory a held stream costs.
  const heldTargets = targets.filter((t) => t.key !== 'direct');
  const pidOf = { bare: bare.pid, gateway: gateway.pid };
  const held = Object.fromEntries(heldTargets.map((t) => [t.key, []]));
  const heldBody = JSON.stringify({ model: 'bench-hold', stream: true, messages: [{ role: 'user', content: 'hold' }] });
  for (const count of PLAN.held.counts) {
    for (const t of heldTargets) {
      const rssBeforeKb = rssKb(pidOf[t.key]);
      const r = await send({
        kind: 'heldOpen',
        url: `${t.url}${path}`,
        headers,
        body: heldBody,
        count,
        firstEventTimeoutMs: PLAN.held.firstEventTimeoutMs,
      });
      const rssHeldKb = rssKb(pidOf[t.key]);
      await send({ kind: 'heldClose' });
      await sleep(1000);
      held[t.key].push({ ...r, rssBeforeKb, rssHeldKb, rssPerStreamKb: (rssHeldKb - rssBeforeKb) / count });
    }
  }
  // Revocation propagation: a second replica (B) on the same Redis; revokes and bans go through B's
  // REST API while A, which has just admitted the token, is polled with it (bench/propagation.mjs).
  const replicaB = await startGateway({ ...gatewayEnv, PORT: String(await freePort()), BENCH_PROFILE_FILE: '' }, cwd, dist, 'gateway B');
  const cliToken = async (email, scopes) =>
    JSON.parse(
      await run(join(dist, 'cli.js'), ['token', 'create', '--email', email, '--name', 'propagation', '--scopes', scopes], gatewayEnv, cwd),
    ).token;
  const propagation = await measurePropagation({
    a: gateway.url,
    b: replicaB.url,
    owner: await cliToken('owner@bench.example', 'llm'),
    admin: await cliToken(BENCH_ADMIN, 'llm,admin'),
    banned: await cliToken(BENCH_BANNED, 'llm'),
    bannedEmail: BENCH_BANNED,
    trials: PLAN.propagation.trials,
  });
  await stopAll();

  const seq = (k) => results[k].sequential.latencyUs;
  const conc = (k) => results[k].concurrent;
  const addedP50VsDirect = seq('gateway').p50 - seq('direct').p50;
  const addedP50VsBare = seq('gateway').p50 - seq('bare').p50;
  const addedP99VsDirect = seq('gateway').p99 - seq('direct').p99;
  const addedP99VsBare = seq('gateway').p99 - seq('bare').p99;
  const gatewayErrors = results.gateway.errorsAllRounds + results.gateway.stream.errors;
  const ratioVsBare = conc('gateway').reqPerSec / conc('bare').reqPerSec;
  const ratioVsDirect = conc('gateway').reqPerSec / conc('direct').reqPerSec;
  const targetsMet = {
    addedP50: {
      target: `added p50 < ${TARGETS.addedP50Ms} ms, sequential, vs the direct call`,
      valueMs: addedP50VsDirect / 1000,
      pass: addedP50VsDirect / 1000 < TARGETS.addedP50Ms,
    },
    addedP50VsBare: {
      target: `added p50 < ${TARGETS.addedP50Ms} ms, sequential, vs the bare proxy`,
      valueMs: addedP50VsBare / 1000,
      pass: addedP50VsBare / 1000 < TARGETS.addedP50Ms,
    },
    throughput: {
      target: `${PLAN.concurrent.connections} connections: >= ${TARGETS.throughputVsBare}x bare proxy req/s, 0 errors`,
      ratio: ratioVsBare,
      errors: gatewayErrors,
      pass: ratioVsBare >= TARGETS.throughputVsBare && gatewayErrors === 0,
    },
  };

  const out = [];
  out.push(
    table(
      `Sequential: ${PLAN.sequential.count} POST ${path} (1 KB JSON in, ${upstream.bodyBytes} B out), one keep-alive connection, best of ${PLAN.rounds} round(s); ms`,
      ['target', 'p50', 'p90', 'p99', 'mean', 'added p50', 'added p99', 'errors', 'CPU us/req'],
      targets.map((t) => {
        const s = seq(t.key);
        const cpu = t.key === 'direct' ? null : results[t.key].sequential.cpuUsPerRequest[t.key];
        return [
          t.label,
          ms(s.p50),
          ms(s.p90),
          ms(s.p99),
          ms(s.mean),
          t.key === 'direct' ? '' : signedMs(s.p50 - seq('direct').p50),
          t.key === 'direct' ? '' : signedMs(s.p99 - seq('direct').p99),
          results[t.key].sequential.errors,
          num(cpu),
        ];
      }),
    ),
  );
  out.push(
    `gateway added vs bare proxy: p50 ${signedMs(addedP50VsBare)} ms, p99 ${signedMs(addedP99VsBare)} ms ("added" columns above are vs direct)`,
  );
  out.push('');
  out.push(
    table(
      `Concurrent: ${PLAN.concurrent.connections} connections for ${PLAN.concurrent.seconds}s (autocannon), same request, best of ${PLAN.rounds} round(s)`,
      ['target', 'req/s', 'vs direct', 'vs bare', 'p50 ms', 'p99 ms', 'errors*', 'non-2xx', 'CPU us/req'],
      targets.map((t) => {
        const c = conc(t.key);
        const cpu = t.key === 'direct' ? null : c.cpuUsPerRequest[t.key];
        return [
          t.label,
          num(c.reqPerSec),
          `${num(c.reqPerSec / conc('direct').reqPerSec, 2)}x`,
          `${num(c.reqPerSec / conc('bare').reqPerSec, 2)}x`,
          num(c.latencyMs.p50, 1),
          num(c.latencyMs.p99, 1),
          results[t.key].errorsAllRounds,
          c.non2xx,
          num(cpu),
        ];
      }),
    ),
  );
  const gc = conc('gateway').cpuUsPerRequest;
  out.push(`* errors, timeouts and non-2xx answers over every sequential and concurrent round`);
  out.push(
    `a gateway request also costs redis-server ${num(gc.redis)} us CPU; the upstream costs ${num(gc.upstream)} us a request, the load generator ${num(gc.loader)} us`,
  );
  out.push('');
  out.push(
    table(
      `Streaming: ${PLAN.stream.count} SSE responses (${PLAN.stream.events} events, ${PLAN.stream.gapMs} ms apart), one at a time; ms`,
      ['target', 'TTFB p50', 'TTFB p90', 'total p50', 'total p90', 'added TTFB p50', 'event by event', 'errors'],
      targets.map((t) => {
        const s = results[t.key].stream;
        // A buffering hop would hold the first event until the stream ends.
        const incremental = s.ttfbUs.p90 !== null && s.ttfbUs.p90 < s.totalUs.p50 / 2;
        return [
          t.label,
          ms(s.ttfbUs.p50),
          ms(s.ttfbUs.p90),
          ms(s.totalUs.p50),
          ms(s.totalUs.p90),
          t.key === 'direct' ? '' : signedMs(s.ttfbUs.p50 - results.direct.stream.ttfbUs.p50),
          incremental ? 'yes' : 'NO',
          s.errors,
        ];
      }),
    ),
  );
  out.push('');
  out.push(
    table(
      `Held SSE streams: N calls at once, each held open after its first event (first event within ${PLAN.held.firstEventTimeoutMs / 1000}s)`,
      ['target', 'streams', 'got 1st event', 'errors', '1st event p50 ms', '1st event max ms', 'RSS before MB', 'RSS held MB', 'KB/stream'],
      heldTargets.flatMap((t) =>
        held[t.key].map((h) => [
          t.label,
          h.count,
          h.gotFirstEvent,
          h.errors,
          num(h.firstEventMs.p50, 0),
          num(h.firstEventMs.max, 0),
          num(h.rssBeforeKb / 1024, 1),
          num(h.rssHeldKb / 1024, 1),
          num(h.rssPerStreamKb, 1),
        ]),
      ),
    ),
  );
  out.push('');
  out.push(
    table(
      `Cost against connections: the same 1 KB POST for ${PLAN.scaling.seconds}s at each count (autocannon), pipe and gateway`,
      [
        'connections',
        'pipe req/s',
        'gateway req/s',
        'gw/pipe',
        'pipe p99 ms',
        'gw p99 ms',
        'pipe CPU us/req',
        'gw CPU us/req',
        'gw/pipe CPU',
        'redis us/req',
        'gw errors',
        'other cores',
      ],
      scaling.map((row) => [
        row.connections,
        num(row.bare.reqPerSec),
        num(row.gateway.reqPerSec),
        `${num(row.gateway.reqPerSec / row.bare.reqPerSec, 2)}x`,
        num(row.bare.latencyMs.p99, 1),
        num(row.gateway.latencyMs.p99, 1),
        num(row.bare.cpuUsPerRequest),
        num(row.gateway.cpuUsPerRequest),
        `${num(row.gateway.cpuUsPerRequest / row.bare.cpuUsPerRequest, 2)}x`,
        num(row.gateway.redisCpuUsPerRequest),
        row.gateway.errors,
        num(Math.max(row.bare.otherLoadCores, row.gateway.otherLoadCores), 2),
      ]),
    ),
  );
  out.push('');
  const pr = propagation;
  out.push(
    table(
      `Revocation propagation between two replicas: ${pr.trials} revokes and ${pr.trials} bans through replica B, replica A polled with the token (cached) until it refuses; ms from B's answer`,
      ['action', 'trials', 'p50', 'p99', 'max', 'admitted after B answered'],
      [
        ['revoke', pr.revoke.n, num(pr.revoke.p50, 2), num(pr.revoke.p99, 2), num(pr.revoke.max, 2), pr.revoke.staleAfterAnswer],
        ['ban', pr.ban.n, num(pr.ban.p50, 2), num(pr.ban.p99, 2), num(pr.ban.max, 2), pr.ban.staleAfterAnswer],
        ['all', pr.all.n, num(pr.all.p50, 2), num(pr.all.p99, 2), num(pr.all.max, 2), pr.revoke.staleAfterAnswer + pr.ban.staleAfterAnswer],
      ],
    ),
  );
  out.push('');
  out.push(`Targets (issue 2):`);
  out.push(`  ${verdict(targetsMet.addedP50.pass)}  ${targetsMet.addedP50.target}: ${signedMs(addedP50VsDirect)} ms`);
  out.push(`  ${verdict(targetsMet.addedP50VsBare.pass)}  ${targetsMet.addedP50VsBare.target}: ${signedMs(addedP50VsBare)} ms`);
  out.push(
    `  ${verdict(targetsMet.throughput.pass)}  ${targetsMet.throughput.target}: ${num(ratioVsBare, 2)}x bare (${num(ratioVsDirect, 2)}x direct), ${gatewayErrors} errors`,
  );
  const firstErrors = targets
    .flatMap((t) => ['sequential', 'stream'].map((p) => results[t.key][p].firstError && `${t.label} ${p}: ${results[t.key][p].firstError}`))
    .filter(Boolean);
  if (firstErrors.length) out.push(`First errors: ${firstErrors.join('; ')}`);
  const otherCores = Math.max(
    ...targets.flatMap((t) => [...results[t.key].rounds.sequential, ...results[t.key].rounds.concurrent].map((r) => r.otherLoadCores)),
  );
  const machine = `${cpus().length} x ${cpus()[0]?.model?.trim() ?? 'cpu'}, node ${process.version}`;
  out.push(
    `Machine: ${machine}; other processes used up to ${otherCores.toFixed(2)} cores during a measurement${otherCores > 0.25 ? ' (busy machine: expect noisy figures)' : ''}; run took ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );

  const profiles = {};
  for (const phase of CPU_PROF ? ['sequential', 'concurrent'] : []) {
    const file = profileFileOf(phase);
    if (!existsSync(file)) {
      out.push('', `No gateway CPU profile was written for the ${phase} phase.`);
      continue;
    }
    const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')), ROOT, 15);
    profiles[phase] = { file, busyMs: summary.busyMs, places: summary.places, top: summary.top };
    out.push('', `Gateway CPU profile, ${phase} round (the profiler slows it down): ${file}`, summary.text);
  }
  // Issue #10's ratios against the bare pipe, one line, printed last.
  const cpuRatio = conc('gateway').cpuUsPerRequest.gateway / conc('bare').cpuUsPerRequest.bare;
  const addedP50Ratio = (seq('gateway').p50 - seq('direct').p50) / (seq('bare').p50 - seq('direct').p50);
  const heldLine = PLAN.held.counts
    .map((count, i) => {
      const g = held.gateway[i];
      const b = held.bare[i];
      return `held ${count}: ${g.gotFirstEvent}/${count} (pipe ${b.gotFirstEvent}), ${num(g.rssPerStreamKb, 1)} KB/stream (pipe ${num(b.rssPerStreamKb, 1)})`;
    })
    .join('; ');
  const pipeRatios = {
    cpuPerRequest: cpuRatio,
    throughput: ratioVsBare,
    addedP50: addedP50Ratio,
    redisCpuUsPerRequest: conc('gateway').cpuUsPerRequest.redis,
    pass: {
      cpuPerRequest: cpuRatio <= PIPE_TARGETS.cpuPerRequest,
      throughput: ratioVsBare >= PIPE_TARGETS.throughput && gatewayErrors === 0,
      addedP50: addedP50Ratio <= PIPE_TARGETS.addedP50,
    },
  };
  const summaryLine =
    `SUMMARY gateway/pipe: CPU/req ${num(cpuRatio, 2)}x (<= ${PIPE_TARGETS.cpuPerRequest} ${verdict(pipeRatios.pass.cpuPerRequest)}; +${num(pipeRatios.redisCpuUsPerRequest)} us in redis), ` +
    `throughput@${PLAN.concurrent.connections} ${num(ratioVsBare, 2)}x (>= ${PIPE_TARGETS.throughput} ${verdict(pipeRatios.pass.throughput)}, ${gatewayErrors} errors), ` +
    `added p50 ${num(addedP50Ratio, 2)}x (<= ${PIPE_TARGETS.addedP50} ${verdict(pipeRatios.pass.addedP50)}); ${heldLine}; ` +
    `propagation p99 ${num(propagation.all.p99, 1)} ms (<= ${PROPAGATION_TARGET_MS} ${verdict(propagation.all.p99 <= PROPAGATION_TARGET_MS)}, max ${num(propagation.all.max, 1)})`;
  process.stdout.write(`\n${out.join('\n')}\n`);

  const report = {
    when: new Date().toISOString(),
    commit: gitCommit(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? null, node: process.version, otherProcessesMaxCores: otherCores },
    plan: PLAN,
    requestBytes: Buffer.byteLength(body),
    responseBytes: upstream.bodyBytes,
    results,
    summary: {
      addedP50VsDirectMs: addedP50VsDirect / 1000,
      addedP50VsBareMs: addedP50VsBare / 1000,
      addedP99VsDirectMs: addedP99VsDirect / 1000,
      addedP99VsBareMs: addedP99VsBare / 1000,
      throughputVsBare: ratioVsBare,
      throughputVsDirect: ratioVsDirect,
      gatewayErrors,
    },
    targets: targetsMet,
    pipeRatios,
    held,
    scaling,
    propagation,
    profiles: CPU_PROF ? profiles : undefined,
  };
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`Wrote ${join(RESULTS_DIR, 'latest.json')}\n`);
  process.stdout.write(`${summaryLine}\n`);
}

main().then(
  () => process.exit(0),
  async (err) => {
    // Stopping on a signal or the deadline makes pending jobs fail; that is not news.
    if (stopping) return;
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    await stopAll();
    process.exit(1);
  },
);
