/**
 * A real redis-server for one test suite, on a free port, with nothing persisted. `REDIS_URL`
 * in the environment makes suites use that server instead (each suite still gets its own prefix).
 * stop()/start() let a suite take Redis away and bring it back on the same port.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../../src/demo/local-redis.js';
/** Re-exported for suites that need a port before they start a server. */
export { freePort };
export async function startTestRedis(options = {}) {
    const external = process.env.REDIS_URL;
    let inspector;
    const client = (url) => {
        if (!inspector) {
            inspector = new Redis(url, { maxRetriesPerRequest: 1 });
            inspector.on('error', () => undefined);
        }
        return inspector;
    };
    if (external && !options.forceOwn) {
        return {
            url: external,
            port: Number(new URL(external).port || 6379),
            owned: false,
            stop: () => Promise.reject(new Error('cannot stop an external REDIS_URL')),
            start: () => Promise.resolve(),
            pause: () => {
                throw new Error('cannot pause an external REDIS_URL');
            },
            resume: () => undefined,
            client: () => client(external),
            close: () => closeInspector(inspector),
        };
    }
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let child;
    const start = async () => {
        const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
            stdio: 'ignore',
        });
        child = proc;
        for (let i = 0; i < 100; i++) {
            // Another suite may have taken the port while this server was stopped: then our server
            // exits at once, and whatever answers on the port is not ours.
            if (proc.exitCode !== null || proc.signalCode !== null) {
                throw new Error(`redis-server exited at start (port ${port} taken by another process?)`);
            }
            if (proc.pid !== undefined && (await answeringPid(port)) === proc.pid)
                return;
            await sleep(50);
        }
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}`);
    };
    const stop = async () => {
        const proc = child;
        if (!proc || proc.exitCode !== null)
            return;
        await new Promise((resolve) => {
            proc.once('exit', () => resolve());
            proc.kill('SIGKILL');
        });
    };
    await start();
    return {
        url,
        port,
        owned: true,
        stop,
        start,
        pause: () => {
            child?.kill('SIGSTOP');
        },
        resume: () => {
            child?.kill('SIGCONT');
        },
        client: () => client(url),
        close: async () => {
            await closeInspector(inspector);
            await stop();
        },
    };
}
async function closeInspector(inspector) {
    if (!inspector || inspector.status === 'end')
        return;
    if (inspector.status === 'ready')
        await inspector.quit();
    else
        inspector.disconnect();
}
/**
 * The process id of the redis-server answering on the port, or null. A raw, time-bounded INFO:
 * a probe must never hang on a port that accepts and stays silent, nor leave client timers behind.
 */
function answeringPid(port, timeoutMs = 1000) {
    return new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let reply = '';
        const done = (pid) => {
            clearTimeout(timer);
            socket.destroy();
            resolve(pid);
        };
        const timer = setTimeout(() => done(null), timeoutMs);
        socket.on('error', () => done(null));
        socket.on('connect', () => socket.write('INFO server\r\n'));
        socket.on('data', (chunk) => {
            reply += chunk.toString('latin1');
            const match = /process_id:(\d+)/.exec(reply);
            if (match)
                done(Number(match[1]));
        });
    });
}
//# sourceMappingURL=redis-server.js.map