/**
 * Revocation propagation between two gateway replicas on one Redis (the bench's propagation phase).
 * Each trial: replica A has just admitted (and so cached) a token; a poller calls A with it in a
 * tight loop on one keep-alive connection while the token is revoked (owner's POST /api/token/revoke)
 * or its owner banned (admin's POST /api/admin/sessions/revoke-user) through replica B's REST API.
 * Propagation = the time from B's answer to the revoke or ban until A's first refusal (401) reaches
 * the poller, floored at 0 (A may refuse before B has answered). `staleAfterAnswer` counts A's
 * admissions of calls sent after B had answered: what the cache let through late.
 */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function call(url, { method = 'GET', token, body } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { authorization: `Bearer ${token}` };
    if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    const req = request(url, { method, headers, agent, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectStatus(what, promise, statuses) {
  const res = await promise;
  if (!statuses.includes(res.status)) throw new Error(`propagation: ${what} answered ${res.status}: ${res.body.slice(0, 200)}`);
  return res;
}

/** A's answer to the token: admitted (the upstream's answer, whatever it is) or refused (401). */
const probe = (a, token) => call(`${a}/v1/models`, { token });

/** Calls A with the token until it is refused; resolves with when (performance.now) and late admissions. */
async function pollUntilRefused(a, token, answeredAt, deadlineMs = 10_000) {
  const started = performance.now();
  let stale = 0;
  for (;;) {
    const sentAt = performance.now();
    const res = await probe(a, token);
    if (res.status === 401) return { refusedAt: performance.now(), stale };
    if (res.status === 503 || res.status >= 500) throw new Error(`propagation: replica A answered ${res.status}`);
    if (answeredAt.value !== null && sentAt > answeredAt.value) stale += 1;
    if (performance.now() - started > deadlineMs) throw new Error('propagation: replica A still admits the token after 10 s');
  }
}

async function trial(a, token, act) {
  // Admitted twice: the second is served from A's cache (the first filled it).
  for (let i = 0; i < 2; i++) await expectStatus('replica A (warm-up)', probe(a, token), [200, 404]);
  const answeredAt = { value: null };
  const polling = pollUntilRefused(a, token, answeredAt);
  await act();
  answeredAt.value = performance.now();
  const { refusedAt, stale } = await polling;
  return { ms: Math.max(0, refusedAt - answeredAt.value), stale };
}

function summarise(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
  return { n: sorted.length, p50: at(50), p99: at(99), max: sorted.at(-1) ?? null };
}

/**
 * Runs `trials` revokes and `trials` bans. `owner`: a token of the revoking user (mints and revokes
 * through B); `admin`: an admin token; `banned`: a token of `bannedEmail`, unbanned after each trial.
 */
export async function measurePropagation({ a, b, owner, admin, banned, bannedEmail, trials }) {
  const revoke = [];
  let revokeStale = 0;
  for (let i = 0; i < trials; i++) {
    const minted = JSON.parse(
      (
        await expectStatus(
          'token generate on B',
          call(`${b}/api/token/generate`, { method: 'POST', token: owner, body: { token_name: `prop-${i}` } }),
          [201],
        )
      ).body,
    );
    const r = await trial(a, minted.token, () =>
      expectStatus(
        'token revoke on B',
        call(`${b}/api/token/revoke`, { method: 'POST', token: owner, body: { token_id: minted.token_id } }),
        [200],
      ),
    );
    revoke.push(r.ms);
    revokeStale += r.stale;
  }
  const ban = [];
  let banStale = 0;
  for (let i = 0; i < trials; i++) {
    const r = await trial(a, banned, () =>
      expectStatus(
        'ban on B',
        call(`${b}/api/admin/sessions/revoke-user`, { method: 'POST', token: admin, body: { user_email: bannedEmail, reason: 'bench' } }),
        [200],
      ),
    );
    ban.push(r.ms);
    banStale += r.stale;
    await expectStatus(
      'unban on B',
      call(`${b}/api/admin/sessions/unban/${encodeURIComponent(bannedEmail)}`, { method: 'DELETE', token: admin }),
      [200],
    );
  }
  agent.destroy();
  return {
    trials,
    revoke: { ...summarise(revoke), staleAfterAnswer: revokeStale },
    ban: { ...summarise(ban), staleAfterAnswer: banStale },
    all: summarise([...revoke, ...ban]),
  };
}
