/**
 * What the hourly usage tally (the dashboard's charts) adds to every admitted request: times the
 * gateway's own HourlyUsageService.record, the one call the request path makes for it (memory
 * only; the tally goes to Redis every 2 s off the request path), against the same loop without it.
 * Rounds of 2,000,000 calls over 1,000 people (the sets stay the size they reach in an hour), the
 * median of the rounds. Prints ns per call and, when bench/results/latest.json from `npm run bench`
 * is there, that figure as a share of the gateway's CPU time per /v1 request.
 *
 *   npm run bench:hourly-usage                 builds into bench/results/build, then measures
 *   BENCH_DIST=dist node bench/hourly-usage.mjs  measures another build
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const DIST = resolve(process.env.BENCH_DIST ?? join(BENCH_DIR, 'results', 'build'));
const CALLS = 2_000_000;
const ROUNDS = 7;
const PEOPLE = 1000;

const modulePath = join(DIST, 'active-users', 'hourly-usage.service.js');
if (!existsSync(modulePath)) {
  process.stderr.write(`No build at ${DIST}: npm run bench:hourly-usage (or set BENCH_DIST)\n`);
  process.exit(1);
}
await import('reflect-metadata');
const { HourlyUsageService } = await import(pathToFileURL(modulePath).href);

const emails = Array.from({ length: PEOPLE }, (_, i) => `user-${String(i).padStart(5, '0')}@bench.example.com`);
const methods = ['jwt', 'jwt', 'jwt', 'oauth2'];
// record() never reaches the repository (flush does, on its timer, which is not started here).
const usage = new HourlyUsageService({ add: () => Promise.resolve() });

/** ns per call of `body` over CALLS calls, with the same arguments the gateway passes. */
function time(body) {
  const now = Date.now();
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) body(emails[i % PEOPLE], methods[i & 3], now);
  return Number(process.hrtime.bigint() - start) / CALLS;
}

let sink = 0;
const baseline = (email, method) => {
  sink += email.length + method.length;
};
const tally = (email, method, now) => usage.record(email, method, now);

// Warm both loops up (the JIT), then alternate them round by round.
time(baseline);
time(tally);
const withTally = [];
const without = [];
for (let r = 0; r < ROUNDS; r++) {
  without.push(time(baseline));
  withTally.push(time(tally));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const added = Math.max(0, median(withTally) - median(without));

const lines = [
  `hourly usage tally: ${added.toFixed(0)} ns per admitted request (median of ${ROUNDS} rounds of ${CALLS.toLocaleString('en')} calls over ${PEOPLE.toLocaleString('en')} people; loop alone ${median(without).toFixed(1)} ns, with the tally ${median(withTally).toFixed(1)} ns)`,
];
const latest = join(BENCH_DIR, 'results', 'latest.json');
if (existsSync(latest)) {
  const perRequestUs = gatewayCpuPerRequest(JSON.parse(readFileSync(latest, 'utf8')));
  if (perRequestUs !== null)
    lines.push(
      `against the gateway's CPU per /v1 request in bench/results/latest.json (${perRequestUs.toFixed(0)} us): ${((added / 1000 / perRequestUs) * 100).toFixed(3)}%`,
    );
}
process.stdout.write(`${lines.join('\n')}\n`);
if (sink < 0) process.stdout.write('\n');

/** The gateway's CPU time per sequential /v1 request of the last `npm run bench`, in us; null when absent. */
function gatewayCpuPerRequest(report) {
  const cpu = report?.results?.gateway?.sequential?.cpuUsPerRequest?.gateway;
  return typeof cpu === 'number' ? cpu : null;
}
