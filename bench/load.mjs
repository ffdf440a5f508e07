/**
 * The load generator, in a process of its own so it does not share an event loop with any server.
 * The runner sends one job at a time over IPC and gets one result back:
 *   sequential: N requests one at a time on one keep-alive connection -> latencies (µs)
 *   concurrent: autocannon with C connections for D seconds -> throughput and errors
 *   stream:     N SSE requests one at a time -> time to first byte and total (µs)
 *   heldOpen:   N SSE requests at once, kept open -> how many got their first event in time (ms)
 *   heldClose:  ends the held requests
 */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summarise(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1);
  return {
    n: sorted.length,
    min: sorted[0] ?? null,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? null,
    mean,
  };
}

/** One request; resolves with timings in µs since it was sent. */
function once(agent, url, headers, body) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    let firstByte = null;
    let bytes = 0;
    let tail = '';
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': body.length }, agent }, (res) => {
      res.on('data', (chunk) => {
        if (firstByte === null) firstByte = process.hrtime.bigint();
        bytes += chunk.length;
        tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 64))).slice(-64);
      });
      res.on('end', () => {
        const end = process.hrtime.bigint();
        resolve({
          ok: res.statusCode === 200,
          status: res.statusCode,
          bytes,
          tail,
          ttfbUs: firstByte === null ? null : Number(firstByte - start) / 1000,
          totalUs: Number(end - start) / 1000,
        });
      });
      res.on('error', (err) => resolve({ ok: false, error: err.message }));
    });
    req.on('error', (err) => resolve({ ok: false, error: err.message }));
    req.end(body);
  });
}

async function sequential({ url, headers, body, count, warmup, expectBytes }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const payload = Buffer.from(body);
  let errors = 0;
  let firstError = null;
  for (let i = 0; i < warmup; i++) await once(agent, url, headers, payload);
  const latencies = [];
  for (let i = 0; i < count; i++) {
    const r = await once(agent, url, headers, payload);
    if (!r.ok || r.bytes !== expectBytes) {
      errors++;
      firstError ??= r.error ?? `HTTP ${r.status}, ${r.bytes} bytes`;
      continue;
    }
    latencies.push(r.totalUs);
  }
  agent.destroy();
  return { latencyUs: summarise(latencies), errors, firstError };
}

async function stream({ url, headers, body, count, warmup }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const payload = Buffer.from(body);
  let errors = 0;
  let firstError = null;
  for (let i = 0; i < warmup; i++) await once(agent, url, headers, payload);
  const ttfb = [];
  const total = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const r = await once(agent, url, headers, payload);
    if (!r.ok || !r.tail.includes('[DONE]')) {
      errors++;
      firstError ??= r.error ?? `HTTP ${r.status}, stream ${r.tail.includes('[DONE]') ? 'complete' : 'incomplete'}`;
      continue;
    }
    bytes = r.bytes;
    ttfb.push(r.ttfbUs);
    total.push(r.totalUs);
  }
  agent.destroy();
  return { ttfbUs: summarise(ttfb), totalUs: summarise(total), bytesPerStream: bytes, errors, firstError };
}

async function concurrent({ url, headers, body, connections, seconds }) {
  const result = await autocannon({ url, method: 'POST', headers, body, connections, duration: seconds, pipelining: 1, timeout: 10 });
  const ok = result['2xx'];
  return {
    connections,
    seconds: result.duration,
    requests: ok + result.non2xx,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    reqPerSec: ok / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average, max: result.latency.max },
  };
}

let held = [];

async function heldOpen({ url, headers, body, count, firstEventTimeoutMs }) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const payload = Buffer.from(body);
  const start = process.hrtime.bigint();
  const firsts = [];
  let errors = 0;
  let firstError = null;
  await new Promise((resolve) => {
    let settled = 0;
    const timer = setTimeout(resolve, firstEventTimeoutMs);
    for (let i = 0; i < count; i++) {
      let done = false;
      const settle = (err) => {
        if (done) return;
        done = true;
        if (err) {
          errors++;
          firstError ??= err;
        }
        if (++settled === count) {
          clearTimeout(timer);
          resolve();
        }
      };
      const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': payload.length }, agent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          settle(`HTTP ${res.statusCode}`);
          return;
        }
        res.on('data', () => {
          if (done) return;
          firsts.push(Number(process.hrtime.bigint() - start) / 1e6);
          settle();
        });
        res.on('error', () => settle('stream error'));
      });
      req.on('error', (err) => settle(err.message));
      req.end(payload);
      held.push(req);
    }
  });
  return { count, gotFirstEvent: firsts.length, firstEventMs: summarise(firsts), errors, firstError };
}

async function heldClose() {
  for (const req of held) req.destroy();
  const closed = held.length;
  held = [];
  return { closed };
}

const JOBS = { sequential, stream, concurrent, heldOpen, heldClose };

process.on('message', async (job) => {
  try {
    process.send({ id: job.id, result: await JOBS[job.kind](job) });
  } catch (err) {
    process.send({ id: job.id, error: err?.stack ?? String(err) });
  }
});
process.send({ ready: true });
