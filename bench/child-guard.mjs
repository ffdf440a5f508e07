/**
 * Preloaded (node --import) into every Node process the benchmark starts. The process ends when
 * the benchmark runner is gone, even after a SIGKILL (BENCH_KILL_ON_ORPHAN names one more pid,
 * redis-server, to end then). With BENCH_PROFILE_FILE set, SIGWINCH starts the V8 CPU profiler
 * and the next SIGWINCH writes the profile there, so one phase can be profiled on its own
 * (SIGWINCH because Nest's shutdown hooks do not listen to it).
 */
import { Session } from 'node:inspector';
import { renameSync, writeFileSync } from 'node:fs';
import { setInterval } from 'node:timers';

const parent = Number(process.env.BENCH_PARENT_PID ?? process.ppid);
const alsoKill = Number(process.env.BENCH_KILL_ON_ORPHAN ?? 0);

setInterval(() => {
  if (process.ppid === parent) return;
  if (alsoKill > 0) {
    try {
      process.kill(alsoKill, 'SIGKILL');
    } catch (err) {
      if (err.code !== 'ESRCH') process.stderr.write(`child-guard: ${err.message}\n`);
    }
  }
  process.exit(1);
}, 500).unref();

const profileFile = process.env.BENCH_PROFILE_FILE;
if (profileFile) {
  const session = new Session();
  session.connect();
  let running = false;
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  process.on('SIGWINCH', () => {
    const step = running
      ? post('Profiler.stop').then(({ profile }) => {
          writeFileSync(`${profileFile}.part`, JSON.stringify(profile));
          renameSync(`${profileFile}.part`, profileFile);
        })
      : post('Profiler.enable')
          .then(() => post('Profiler.setSamplingInterval', { interval: 200 }))
          .then(() => post('Profiler.start'));
    running = !running;
    step.catch((err) => process.stderr.write(`child-guard: profiler: ${err.message}\n`));
  });
}
