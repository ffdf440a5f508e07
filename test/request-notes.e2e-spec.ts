/**
 * An audited admin action collects its notes (a Redis write no replica acknowledged) with an
 * AsyncLocalStorage; in Node 20 an enabled one turns on async hooks for the whole process and
 * makes every /v1 call dearer. Once the action is over the process runs without them again. Jest
 * itself runs with async hooks on, so this is checked in a plain Node process, on the build.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const SCRIPT = `
import { executionAsyncId } from 'node:async_hooks';
const { RequestNotes } = await import(process.argv[1]);
const hooksOn = async () => (await Promise.resolve().then(() => executionAsyncId())) !== 0;
const seen = { before: await hooksOn() };
const notes = new RequestNotes();
const collecting = notes.collect([], () => undefined);
seen.during = await hooksOn();
collecting.close();
seen.after = await hooksOn();
process.stdout.write(JSON.stringify(seen));
`;

describe('request notes and the process', () => {
  it('turns async hooks on only while a request collects notes', () => {
    const module = pathToFileURL(join(process.cwd(), 'dist', 'common', 'request-notes.js')).href;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT, module], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ before: false, during: true, after: false });
  });
});
