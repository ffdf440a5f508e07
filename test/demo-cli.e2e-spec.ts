/**
 * `npm run demo` and the ops CLI together, as a newcomer tries them: the demo writes the variables
 * the CLI needs to a file and prints the line that sources it; every CLI command then works
 * against the demo's Redis. Runs the compiled demo (needs `nest build`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { demoPerson } from '../src/demo/demo-people.js';

/** The variables a POSIX shell gets from sourcing the file (export NAME='value' lines). */
function sourced(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (match) vars[match[1]] = match[2].replace(/'\\''/g, "'");
  }
  return vars;
}

describe('the demo and the ops CLI', () => {
  let dir: string;
  let envFile: string;
  let demo: ChildProcess;
  let output = '';

  const cli = (env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const { PATH, HOME } = process.env;
      const child = spawn(process.execPath, ['dist/cli.js', ...args], { env: { PATH, HOME, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llmgw-demo-'));
    envFile = join(dir, 'demo.env');
    const { PATH, HOME } = process.env;
    demo = spawn(process.execPath, ['dist/demo/demo.js'], {
      env: { PATH, HOME, DEMO_ENV_FILE: envFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    demo.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    for (let i = 0; i < 600 && !output.includes('Press Ctrl-C'); i++) {
      if (demo.exitCode !== null) throw new Error(`demo exited: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!output.includes('Press Ctrl-C')) throw new Error(`demo did not start: ${output}`);
  }, 90_000);

  afterAll(() => {
    if (demo?.exitCode === null) demo.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the line that sources the CLI variables, kept readable by the owner only', () => {
    expect(output).toContain(`  . '${envFile}'`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(Object.keys(sourced(envFile))).toEqual(expect.arrayContaining(['REDIS_URL', 'REDIS_KEY_PREFIX', 'JWT_SECRET', 'ADMIN_EMAILS']));
  });

  it('lets the CLI read and change the demo: the demo token, users, a ban', async () => {
    const env = sourced(envFile);
    const tokens = await cli(env, 'token', 'list', '--email', demoPerson('admin').email);
    expect(tokens.stderr).toBe('');
    expect(JSON.parse(tokens.stdout)).toMatchObject({
      user_email: demoPerson('admin').email,
      total: 1,
      items: [expect.objectContaining({ token_name: 'demo' })],
    });
    const admins = JSON.parse((await cli(env, 'admins', 'list')).stdout) as { items: Array<{ email: string }> };
    expect(admins.items.map((a) => a.email)).toContain(demoPerson('admin').email);
    expect(JSON.parse((await cli(env, 'ban', '--email', 'someone@example.com', '--reason', 'trying the demo')).stdout)).toMatchObject({
      banned: true,
    });
    expect(JSON.parse((await cli(env, 'bans', 'list')).stdout)).toMatchObject({ total: 1 });
  });

  it('removes the file when the demo stops', async () => {
    const exited = new Promise((resolve) => demo.once('exit', resolve));
    demo.kill('SIGINT');
    await exited;
    expect(existsSync(envFile)).toBe(false);
  });
});
