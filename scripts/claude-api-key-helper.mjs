#!/usr/bin/env node
/**
 * Claude Code `apiKeyHelper` for the LLM gateway: prints your gateway token on stdout, and first
 * rotates it (POST /api/token/rotate) when it expires soon, keeping the new one in the token file.
 * Claude Code runs it at start and again every CLAUDE_CODE_API_KEY_HELPER_TTL_MS, so a token is
 * renewed before it ends and nobody has to make a new one by hand. Standalone: Node.js 18 or later,
 * no dependencies; copy it anywhere. See docs/CLAUDE_CODE.md.
 *
 * Environment:
 *   LLM_GATEWAY_URL                 the gateway's origin (default: ANTHROPIC_BASE_URL)
 *   LLM_GATEWAY_TOKEN_FILE          where the token is kept (default ~/.config/llm-gateway/token), mode 0600
 *   LLM_GATEWAY_ROTATE_BEFORE_DAYS  rotate when fewer days than this remain (default 7)
 *   LLM_GATEWAY_TOKEN_DAYS          lifetime of the new token in days (default: the gateway's TOKEN_DEFAULT_DAYS)
 *
 * Exit 0 with the token on stdout; exit 1 with the reason on stderr when there is no usable token
 * (missing, expired, revoked, or its owner is banned). A rotation that fails for another reason
 * (gateway unreachable, 5xx) is reported on stderr and the current token, still valid, is printed.
 */
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
/* global AbortSignal */
import { setTimeout as sleep } from 'node:timers/promises';

const DAY_MS = 86400_000;
/** Another helper holding the lock longer than this has died; its lock is taken over. */
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 15_000;

class HelperError extends Error {}

function settings() {
  const env = process.env;
  const base = (env.LLM_GATEWAY_URL || env.ANTHROPIC_BASE_URL || '').replace(/\/+$/, '');
  if (base === '') throw new HelperError('set LLM_GATEWAY_URL (or ANTHROPIC_BASE_URL) to the gateway, e.g. https://gateway.example.com');
  const rotateBeforeDays = Number(env.LLM_GATEWAY_ROTATE_BEFORE_DAYS ?? 7);
  if (!Number.isFinite(rotateBeforeDays) || rotateBeforeDays < 0)
    throw new HelperError('LLM_GATEWAY_ROTATE_BEFORE_DAYS must be a number of days');
  const days =
    env.LLM_GATEWAY_TOKEN_DAYS === undefined || env.LLM_GATEWAY_TOKEN_DAYS === '' ? undefined : Number(env.LLM_GATEWAY_TOKEN_DAYS);
  if (days !== undefined && (!Number.isInteger(days) || days < 1))
    throw new HelperError('LLM_GATEWAY_TOKEN_DAYS must be a whole number of days');
  return {
    base,
    file: env.LLM_GATEWAY_TOKEN_FILE || join(homedir(), '.config', 'llm-gateway', 'token'),
    rotateBeforeMs: rotateBeforeDays * DAY_MS,
    days,
  };
}

function readToken(file) {
  let token;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    throw new HelperError(`no token in ${file}: create one (on the gateway's page, or ask an admin) and save it there with mode 0600`);
  }
  const expiresAt = expiryOf(token);
  if (expiresAt === null) throw new HelperError(`${file} does not hold a gateway token`);
  return { token, expiresAt };
}

/** The token's exp claim in ms, read without verifying (the gateway verifies); null when unreadable. */
function expiryOf(token) {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Replaces the file atomically, readable by its owner only. */
function writeToken(file, token) {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** One helper at a time rotates (Claude Code sessions run it side by side); returns the release. */
async function lock(file) {
  const path = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(path, 'wx', 0o600));
      return () => rmSync(path, { force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS) rmSync(path, { force: true });
    } catch {
      // Released meanwhile.
    }
    if (Date.now() > deadline) throw new HelperError(`${path} is held by another helper; try again`);
    await sleep(100);
  }
}

async function rotate(base, token, days) {
  const res = await fetch(`${base}/api/token/rotate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(days === undefined ? {} : { days }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, body };
}

async function main() {
  const { base, file, rotateBeforeMs, days } = settings();
  let current = readToken(file);
  if (current.expiresAt - Date.now() > rotateBeforeMs) return current.token;
  if (current.expiresAt <= Date.now()) throw new HelperError(`the token in ${file} has expired: create a new one`);

  const release = await lock(file);
  try {
    // Another helper may have rotated it while this one waited.
    current = readToken(file);
    if (current.expiresAt - Date.now() > rotateBeforeMs) return current.token;
    let answer;
    try {
      answer = await rotate(base, current.token, days);
    } catch (err) {
      process.stderr.write(
        `llm-gateway: could not rotate the token (${err?.name === 'TimeoutError' ? 'no answer' : err?.message}); using it until it expires\n`,
      );
      return current.token;
    }
    if (answer.status === 201 && typeof answer.body.token === 'string') {
      writeToken(file, answer.body.token);
      return answer.body.token;
    }
    const message = typeof answer.body.message === 'string' ? answer.body.message : `HTTP ${answer.status}`;
    if (answer.status === 401 || answer.status === 403) throw new HelperError(`the gateway refused the token: ${message}`);
    process.stderr.write(`llm-gateway: could not rotate the token (${message}); using it while it lasts\n`);
    return current.token;
  } finally {
    release();
  }
}

main().then(
  (token) => process.stdout.write(token),
  (err) => {
    process.stderr.write(`llm-gateway: ${err instanceof HelperError ? err.message : (err?.stack ?? String(err))}\n`);
    process.exitCode = 1;
  },
);
