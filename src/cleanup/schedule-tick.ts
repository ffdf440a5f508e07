/** Which tick of a cron schedule a timer fired for: the same answer on every replica. */
import type { CronTime } from 'cron';

/** A timer that fires later than this after its tick does not run it. */
export const TICK_LOOKBACK_MS = 60_000;

/**
 * The latest tick of `cron` (evaluated in UTC) at or before `nowMs`, no older than `lookbackMs`;
 * null when there is none. Replicas whose timers fire a little apart name the same tick.
 */
export function latestTick(cron: CronTime, nowMs: number, lookbackMs = TICK_LOOKBACK_MS): number | null {
  let tick: number | null = null;
  let next = cron.getNextDateFrom(new Date(nowMs - lookbackMs), 'UTC').toMillis();
  while (next <= nowMs) {
    tick = next;
    next = cron.getNextDateFrom(new Date(next), 'UTC').toMillis();
  }
  return tick;
}
