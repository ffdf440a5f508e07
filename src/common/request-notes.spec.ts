import { describe, expect, it } from '@jest/globals';
import { RequestNotes } from './request-notes.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// That a closed collector turns the process's async hooks off again is checked in a process without
// jest (which runs with async hooks on): test/request-notes.e2e-spec.ts.
describe('RequestNotes', () => {
  it('collects what the request notes, across awaits, and only for that request', async () => {
    const sut = new RequestNotes();
    const first: string[] = [];
    const second: string[] = [];
    let firstDone!: Promise<void>;
    let secondDone!: Promise<void>;
    const a = sut.collect(first, () => {
      firstDone = (async () => {
        await tick();
        sut.note('one');
      })();
    });
    const b = sut.collect(second, () => {
      secondDone = (async () => {
        await tick();
        sut.note('two');
      })();
    });
    sut.note('outside any request');
    await Promise.all([firstDone, secondDone]);
    a.close();
    b.close();
    expect(first).toEqual(['one']);
    expect(second).toEqual(['two']);
  });

  it('collects nothing more once closed', async () => {
    const sut = new RequestNotes();
    const notes: string[] = [];
    let later!: Promise<void>;
    const collecting = sut.collect(notes, () => {
      later = (async () => {
        await tick();
        sut.note('after close');
      })();
    });
    collecting.close();
    await later;
    expect(notes).toEqual([]);
  });
});
