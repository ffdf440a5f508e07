/**
 * The production build (dist/main.js) in a process of its own: a second replica next to an
 * in-process test app (two apps in one process would share passport's strategies). Needs `nest build`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../../src/demo/local-redis.js';

export interface GatewayProcess {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  const { PATH, HOME } = process.env;
  const child: ChildProcess = spawn(process.execPath, ['dist/main.js'], {
    env: { PATH, HOME, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited at start: ${stderr}`);
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i >= 300) {
      child.kill('SIGKILL');
      throw new Error(`gateway did not answer /health: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
