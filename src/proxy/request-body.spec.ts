import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { BodyTooLargeError, bufferedBody, readBody } from './request-body.js';

const limits = { limitBytes: 16, idleMs: 1000 };

/** A request as Node's parser leaves it: `chunks` buffered, and complete once the message has ended. */
function request(chunks: string[], complete: boolean): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  for (const chunk of chunks) req.push(Buffer.from(chunk));
  if (complete) {
    req.complete = true;
    req.push(null);
  }
  return req;
}

describe('bufferedBody', () => {
  it('takes a body that has all arrived, in one piece, and lets the request end', async () => {
    const req = request(['{"a":', '1}'], true);
    expect(bufferedBody(req, limits)?.toString()).toBe('{"a":1}');
    await new Promise((resolve) => req.once('end', resolve));
    expect(req.readableEnded).toBe(true);
  });

  it('takes a body whose declared bytes are all buffered before the message is marked complete, and the request still ends', async () => {
    const req = request(['{"a":', '3}'], false);
    req.headers['content-length'] = '7';
    expect(bufferedBody(req, limits)?.toString()).toBe('{"a":3}');
    req.complete = true;
    req.push(null);
    await new Promise((resolve) => req.once('end', resolve));
    expect(req.readableEnded).toBe(true);
  });

  it('leaves a body with declared bytes still to come, or with no declared length, to readBody', () => {
    const partial = request(['{"a":'], false);
    partial.headers['content-length'] = '7';
    expect(bufferedBody(partial, limits)).toBeNull();
    const chunked = request(['{"a":3}'], false);
    chunked.headers['transfer-encoding'] = 'chunked';
    expect(bufferedBody(chunked, limits)).toBeNull();
  });

  it('gives an empty body for a complete request without one', () => {
    expect(bufferedBody(request([], true), limits)?.length).toBe(0);
  });

  it('leaves a body still arriving to readBody, which gets all of it', async () => {
    const req = request(['{"a":'], false);
    expect(bufferedBody(req, limits)).toBeNull();
    const read = readBody(req, limits);
    req.push(Buffer.from('2}'));
    req.complete = true;
    req.push(null);
    expect((await read).toString()).toBe('{"a":2}');
  });

  it('refuses a complete body past the limit', () => {
    expect(() => bufferedBody(request(['x'.repeat(17)], true), limits)).toThrow(BodyTooLargeError);
  });
});
