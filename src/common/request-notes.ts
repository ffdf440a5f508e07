/**
 * Notes that code deep in a request (a Redis write no replica acknowledged) leaves for whoever
 * collects them for that request (the audit entry), without passing them through every layer.
 *
 * Each collecting request gets an AsyncLocalStorage of its own, disabled when the request is over.
 * In Node 20 an enabled AsyncLocalStorage turns on async hooks for the whole process, which makes
 * every promise and every socket of every request dearer (measured: +12 us a /v1 call at 50
 * connections, docs/BENCHMARKS.md); with none enabled they cost nothing, so between admin actions
 * the hot path runs without them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class RequestNotes {
  private readonly collecting = new Set<AsyncLocalStorage<string[]>>();

  /**
   * Starts collecting into `notes` for what `start` runs (and its async continuations). Call
   * `close` once the request is over: then nothing more is collected and the storage is disabled.
   */
  collect(notes: string[], start: () => void): { close(): void } {
    const storage = new AsyncLocalStorage<string[]>();
    this.collecting.add(storage);
    storage.run(notes, start);
    return {
      close: () => {
        if (!this.collecting.delete(storage)) return;
        storage.disable();
      },
    };
  }

  /** Leaves a note for the request this code runs for, if one is collecting. */
  note(text: string): void {
    for (const storage of this.collecting) storage.getStore()?.push(text);
  }

  /** How many requests are collecting now. */
  get open(): number {
    return this.collecting.size;
  }
}
