/**
 * Which signals stop the gateway. SIGTERM (orchestrators, `docker stop`) and SIGINT (Ctrl-C) run
 * Nest's shutdown, the drain of socket-drain.service.ts included. SIGHUP (a closed terminal) and
 * SIGUSR2 (profilers, heap-snapshot tools) would end the process by the OS default if nothing
 * listened, so the production process listens, logs them and keeps serving.
 */
import { Logger, ShutdownSignal } from '@nestjs/common';

export const SHUTDOWN_SIGNALS: ShutdownSignal[] = [ShutdownSignal.SIGTERM, ShutdownSignal.SIGINT];

const IGNORED_SIGNALS = ['SIGHUP', 'SIGUSR2'] as const;

/** For the production process only (main.ts): a test runner's process keeps its own signal handling. */
export function ignoreSignalsThatDoNotStop(): void {
  const logger = new Logger('Shutdown');
  for (const signal of IGNORED_SIGNALS) {
    process.on(signal, () => logger.warn(`${signal} ignored: only SIGTERM and SIGINT stop the gateway`));
  }
}
