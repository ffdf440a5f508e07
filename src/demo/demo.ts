/**
 * `npm run demo`: the whole gateway on one machine with nothing to configure. Starts its own
 * redis-server on a free port, the echo upstream (OpenAI + Anthropic APIs with SSE), the
 * gateway from the production build, mints a demo token and prints how to call it.
 * Ctrl-C stops everything.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readEnvironment } from '../config/environment.js';
import { startDemoOidcProvider } from './demo-oidc-provider.js';
import { DEMO_PEOPLE, demoPerson, demoRoleEnv } from './demo-people.js';
import { startEchoUpstream } from './echo-upstream.js';
import { freePort, startLocalRedis } from './local-redis.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The printed token belongs to the demo's admin (demo-people.ts has everyone). */
const TOKEN_OWNER = demoPerson('admin').email;

async function main(): Promise<void> {
  const hostEnv = readEnvironment();
  const redis = await startLocalRedis();
  const upstream = await startEchoUpstream({ port: Number(hostEnv.DEMO_UPSTREAM_PORT ?? 0) || undefined });
  const port = Number(hostEnv.DEMO_PORT ?? 0) || (await freePort());
  const publicUrl = `http://127.0.0.1:${port}`;
  // A local OpenID provider standing in for Auth0, so browser login works with nothing configured.
  const oidc = await startDemoOidcProvider({
    clientId: 'llm-gateway-demo',
    clientSecret: randomBytes(32).toString('base64url'),
    redirectUris: [`${publicUrl}/auth/callback`],
    logoutReturnUrls: [`${publicUrl}/`],
    port: Number(hostEnv.DEMO_OIDC_PORT ?? 0) || undefined,
  });
  const demoEnv: Record<string, string> = {
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'demo:',
    // The demo's redis-server keeps nothing on disk, on purpose.
    REDIS_ALLOW_EPHEMERAL: 'true',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    UPSTREAM_URL: upstream.url,
    UPSTREAM_API_KEY: 'sk-echo-upstream-demo',
    // The demo's people get their roles unless the host says otherwise.
    ADMIN_EMAILS: hostEnv.ADMIN_EMAILS ?? demoRoleEnv().ADMIN_EMAILS,
    SUPER_ADMIN_EMAIL: hostEnv.SUPER_ADMIN_EMAIL ?? demoRoleEnv().SUPER_ADMIN_EMAIL,
    ...oidc.gatewayEnv(),
    SESSION_SECRET: randomBytes(32).toString('base64url'),
  };
  const env: NodeJS.ProcessEnv = { ...hostEnv, ...demoEnv };
  // What the ops CLI needs to reach this demo's Redis with its keys and secrets: one file to source.
  const envFile = hostEnv.DEMO_ENV_FILE ?? join(process.cwd(), '.demo.env');
  writeFileSync(envFile, shellExports(demoEnv), { mode: 0o600 });

  const children: ChildProcess[] = [];
  const shutdown = async (code: number): Promise<never> => {
    for (const child of children) child.kill('SIGTERM');
    rmSync(envFile, { force: true });
    await upstream.close();
    await oidc.close();
    await redis.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  const gateway = spawn(process.execPath, [join(DIST, 'main.js')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(gateway);
  gateway.once('exit', (code) => {
    process.stderr.write(`gateway exited with code ${code ?? 'null'}\n`);
    void shutdown(code ?? 1);
  });
  await waitForHealth(`${publicUrl}/health`);

  const minted = spawnSync(
    process.execPath,
    [join(DIST, 'cli.js'), 'token', 'create', '--email', TOKEN_OWNER, '--name', 'demo', '--days', '7', '--scopes', 'llm,admin'],
    { env, encoding: 'utf8' },
  );
  if (minted.status !== 0) {
    process.stderr.write(minted.stderr);
    await shutdown(1);
  }
  const { token } = JSON.parse(minted.stdout) as { token: string };

  process.stdout.write(
    [
      '',
      'LLM gateway demo is running.',
      `  gateway   ${publicUrl}   (health: ${publicUrl}/health)`,
      `  upstream  ${upstream.url}   (echo: answers with your last message)`,
      `  redis     ${redis.url}   (nothing persisted)`,
      '',
      `Demo token for ${TOKEN_OWNER} (scopes llm, admin; 7 days):`,
      `  ${token}`,
      '',
      'Try it:',
      `  curl -sN ${publicUrl}/v1/chat/completions -H "Authorization: Bearer ${token}" \\`,
      `    -H 'content-type: application/json' -d '{"model":"echo-1","stream":true,"messages":[{"role":"user","content":"hello gateway"}]}'`,
      '',
      'Browser login (a local identity provider stands in for Auth0):',
      `  open ${publicUrl}/ and sign in as one of (password ${DEMO_PEOPLE[0].password}):`,
      ...DEMO_PEOPLE.map((p) => `    ${p.email.padEnd(20)} ${p.label}`),
      `  the provider at ${oidc.issuerUrl} uses a self-signed certificate: accept the browser's warning once`,
      '',
      'SDKs and CLI clients:',
      `  export OPENAI_BASE_URL=${publicUrl}/v1 OPENAI_API_KEY=${token}`,
      `  export ANTHROPIC_BASE_URL=${publicUrl} ANTHROPIC_API_KEY=${token}`,
      '',
      'Ops CLI against this demo (in another terminal, from this directory):',
      `  . ${shellQuote(relativePath(envFile))}`,
      '  npm run cli -- --help                # then e.g.: npm run cli -- users list',
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

/** `export NAME='value'` lines that any POSIX shell can source. */
function shellExports(vars: Record<string, string>): string {
  const lines = Object.entries(vars).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  return ['# Written by `npm run demo` for the ops CLI; valid while the demo runs, removed when it stops.', ...lines, ''].join('\n');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A path as typed from the working directory: ./.demo.env rather than an absolute path. */
function relativePath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || rel === '' ? path : `./${rel}`;
}

async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`gateway did not become healthy at ${url}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
