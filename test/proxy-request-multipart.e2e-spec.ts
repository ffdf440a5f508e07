/**
 * Uploads (multipart/form-data under /v1/audio and /v1/images) are inspected as they stream: identity
 * fields reach the upstream with the verified email, upstream-steering fields are refused with 400,
 * files arrive byte for byte and stream on as they arrive (never held whole), and a refused form never
 * reaches the upstream complete. Official openai SDK uploads and hand-built forms; the echo upstream
 * parses what it receives.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI, { toFile } from 'openai';
import type { ReceivedRequest } from '../src/demo/echo-upstream.js';
import { startGatewayStack, type GatewayStack } from './support/gateway-stack.js';

const EMAIL = 'uploader@example.com';
const BODY_LIMIT_BYTES = 256 * 1024;
const BOUNDARY = 'client-boundary-1234';

type Part = { name: string; value: string; type?: string } | { name: string; filename: string; type: string; data: Buffer };

function multipart(parts: Part[], close = true): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    if ('data' in part) {
      pieces.push(
        Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type}\r\n\r\n`,
        ),
      );
      pieces.push(part.data, Buffer.from('\r\n'));
    } else {
      const type = part.type ? `Content-Type: ${part.type}\r\n` : '';
      pieces.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n${type}\r\n${part.value}\r\n`));
    }
  }
  if (close) pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let requestSeq = 0;
const nextRequestId = (): string => `upload-${process.pid}-${++requestSeq}`;

describe('multipart uploads through the proxy', () => {
  let stack: GatewayStack;
  let token: string;

  beforeAll(async () => {
    stack = await startGatewayStack({ env: { BODY_LIMIT: `${BODY_LIMIT_BYTES}b` } });
    token = (await stack.mint(EMAIL)).token;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const openai = (): OpenAI => new OpenAI({ apiKey: token, baseURL: `${stack.gw.url}/v1`, maxRetries: 0 });

  function receivedWith(requestId: string): ReceivedRequest {
    const matches = stack.upstream.requests.filter((r) => r.headers['x-request-id'] === requestId);
    expect(matches).toHaveLength(1);
    return matches[0];
  }

  async function upload(
    path: string,
    body: Buffer,
    requestId = nextRequestId(),
  ): Promise<{ status: number; json: unknown; requestId: string }> {
    const res = await fetch(`${stack.gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'x-request-id': requestId },
      body,
    });
    return { status: res.status, json: await res.json(), requestId };
  }

  describe('with the openai SDK', () => {
    it('transcribes: the file arrives byte for byte, and the user field is the verified email', async () => {
      const audio = randomBytes(150 * 1024);
      const requestId = nextRequestId();
      const result = await openai().audio.transcriptions.create(
        {
          file: await toFile(audio, 'speech.wav', { type: 'audio/wav' }),
          model: 'whisper-1',
          ...({ user: 'mallory@evil.test' } as object),
        },
        { headers: { 'x-request-id': requestId } },
      );
      expect(result.text).toBe(`echo: speech.wav (${audio.length} bytes)`);
      const { form, headers } = receivedWith(requestId);
      expect(form?.fields).toEqual({ model: ['whisper-1'], user: [EMAIL] });
      expect(form?.files).toEqual([
        { field: 'file', filename: 'speech.wav', mimeType: 'audio/wav', size: audio.length, sha256: sha256(audio) },
      ]);
      expect(headers['content-length']).toBeUndefined();
      expect(headers['transfer-encoding']).toBe('chunked');
      expect(headers['x-litellm-end-user-id']).toBe(EMAIL);
    });

    it('edits an image: user is replaced, the prompt and image pass', async () => {
      const image = randomBytes(20 * 1024);
      const requestId = nextRequestId();
      const result = await openai().images.edit(
        { image: await toFile(image, 'cat.png', { type: 'image/png' }), prompt: 'add a hat', user: 'mallory@evil.test' },
        { headers: { 'x-request-id': requestId } },
      );
      expect(result.data?.[0].revised_prompt).toBe('add a hat');
      const { form } = receivedWith(requestId);
      expect(form?.fields).toMatchObject({ prompt: ['add a hat'], user: [EMAIL] });
      expect(form?.files).toEqual([
        { field: 'image', filename: 'cat.png', mimeType: 'image/png', size: image.length, sha256: sha256(image) },
      ]);
    });

    it('is refused with a BadRequestError when the form carries a steering field', async () => {
      const before = stack.upstream.requests.length;
      const err = await openai()
        .audio.transcriptions.create({
          file: await toFile(randomBytes(1024), 'a.wav'),
          model: 'whisper-1',
          ...({ api_base: 'https://attacker.example' } as object),
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: 'blocked_field' });
      expect(stack.upstream.requests.length).toBe(before);
    });
  });

  describe('hand-built forms', () => {
    it('stamps every identity field: user, safety_identifier, metadata and litellm_metadata as JSON text', async () => {
      const file = randomBytes(4096);
      const { status, requestId } = await upload(
        '/v1/audio/transcriptions',
        multipart([
          { name: 'user', value: 'mallory@evil.test' },
          { name: 'safety_identifier', value: 'mallory' },
          { name: 'metadata', value: JSON.stringify({ user_id: 'mallory', tags: ['t'] }), type: 'application/json' },
          { name: 'litellm_metadata', value: 'not json' },
          { name: 'model', value: 'whisper-1' },
          { name: 'file', filename: 'a.wav', type: 'audio/wav', data: file },
          { name: 'user', value: 'second-mallory' },
        ]),
      );
      expect(status).toBe(200);
      const { form } = receivedWith(requestId);
      expect(form?.fields).toEqual({
        user: [EMAIL, EMAIL],
        safety_identifier: [EMAIL],
        metadata: [JSON.stringify({ user_id: EMAIL, tags: ['t'] })],
        litellm_metadata: [JSON.stringify({ user: EMAIL })],
        model: ['whisper-1'],
      });
      expect(form?.files[0]).toMatchObject({ size: file.length, sha256: sha256(file) });
    });

    it('treats an identity field sent as a file part as the field the upstream reads it as', async () => {
      const { status, requestId } = await upload(
        '/v1/audio/transcriptions',
        multipart([
          { name: 'model', value: 'whisper-1' },
          { name: 'user', filename: 'u.txt', type: 'text/plain', data: Buffer.from('mallory@evil.test') },
          { name: 'file', filename: 'a.wav', type: 'audio/wav', data: randomBytes(64) },
        ]),
      );
      expect(status).toBe(200);
      expect(receivedWith(requestId).form?.fields.user).toEqual([EMAIL]);
    });

    it.each([
      [
        'a steering field before the file',
        [
          { name: 'api_key', value: 'sk-mine' },
          { name: 'file', filename: 'a.wav', type: 'audio/wav', data: randomBytes(1024) },
        ],
        'api_key',
      ],
      [
        'a steering field after the file',
        [
          { name: 'file', filename: 'a.wav', type: 'audio/wav', data: randomBytes(100 * 1024) },
          { name: 'aws_secret_access_key', value: 'x' },
        ],
        'aws_secret_access_key',
      ],
      [
        'a steering field inside metadata',
        [{ name: 'metadata', value: JSON.stringify({ api_base: 'https://attacker.example' }) }],
        'metadata.api_base',
      ],
      [
        'a steering field inside metadata sent as an octet-stream part',
        [
          {
            name: 'litellm_metadata',
            value: JSON.stringify({ langfuse_host: 'https://attacker.example' }),
            type: 'application/octet-stream',
          },
        ],
        'litellm_metadata.langfuse_host',
      ],
      [
        'a steering field as a file part',
        [{ name: 'vertex_credentials', filename: 'sa.json', type: 'application/json', data: Buffer.from('{}') }],
        'vertex_credentials',
      ],
    ] as Array<[string, Part[], string]>)(
      'refuses %s with 400, and the upstream never gets a complete request',
      async (_label, parts, field) => {
        const before = stack.upstream.requests.length;
        const { status, json } = await upload('/v1/audio/transcriptions', multipart([{ name: 'model', value: 'whisper-1' }, ...parts]));
        expect(status).toBe(400);
        expect(json).toMatchObject({
          type: 'error',
          error: {
            type: 'invalid_request_error',
            code: 'blocked_field',
            message: expect.stringContaining(`The field ${field} `) as unknown,
          },
        });
        expect(stack.upstream.requests.length).toBe(before);
        // The gateway and its upstream sockets are fine afterwards.
        expect(
          (
            await upload(
              '/v1/audio/transcriptions',
              multipart([{ name: 'file', filename: 'b.wav', type: 'audio/wav', data: randomBytes(10) }]),
            )
          ).status,
        ).toBe(200);
      },
    );

    it('refuses a form without its closing boundary, and one without a boundary at all, with 400', async () => {
      const before = stack.upstream.requests.length;
      const cut = await upload(
        '/v1/audio/transcriptions',
        multipart([{ name: 'file', filename: 'a.wav', type: 'audio/wav', data: randomBytes(2048) }], false),
      );
      expect(cut.status).toBe(400);
      expect(cut.json).toMatchObject({ type: 'error', error: { code: 'invalid_multipart' } });
      const res = await fetch(`${stack.gw.url}/v1/images/edits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data' },
        body: 'x',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ type: 'error', error: { code: 'invalid_multipart' } });
      expect(stack.upstream.requests.length).toBe(before);
    });

    it('refuses a chunked upload that grows over BODY_LIMIT with 413, and the upstream never gets it complete', async () => {
      const before = stack.upstream.requests.length;
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${stack.gw.url}/v1/audio/transcriptions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
            'transfer-encoding': 'chunked',
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
        for (let i = 0; i < 8; i++) req.write(randomBytes(BODY_LIMIT_BYTES / 4));
        req.end(`\r\n--${BOUNDARY}--\r\n`);
      });
      expect(status).toBe(413);
      expect(JSON.parse(body)).toMatchObject({ type: 'error', error: { code: 'body_too_large' } });
      expect(stack.upstream.requests.length).toBe(before);
    });
  });
});

describe.each(['undici', 'http'])('an upload streams on as it arrives (UPSTREAM_CLIENT=%s)', (client) => {
  const HALF = 1024 * 1024;
  /** Far below the first half: what must have reached the upstream before the client sends the rest. */
  const SEEN_BEFORE_REST = HALF / 2;
  /** Only to fail instead of hanging: a gateway that held the file would send nothing until the rest came. */
  const BOUND_MS = 10_000;

  let stack: GatewayStack;
  let upstream: Server;
  let token: string;
  /** The bytes of the upload the upstream is receiving, as they arrive. */
  let arriving: Buffer[] = [];
  let onArrival: () => void = () => undefined;
  const arrivedBytes = (): number => arriving.reduce((n, c) => n + c.length, 0);

  beforeAll(async () => {
    // An upstream of the test's own: it counts the body as it arrives (the echo upstream reads it whole first).
    upstream = createServer((req, res) => {
      arriving = [];
      req.on('data', (chunk: Buffer) => {
        arriving.push(chunk);
        onArrival();
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text: 'ok' }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    stack = await startGatewayStack({ env: { BODY_LIMIT: `${4 * HALF}b`, UPSTREAM_URL: upstreamUrl, UPSTREAM_CLIENT: client } });
    token = (await stack.mint(EMAIL)).token;
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  /** Resolves once the upstream has received at least `bytes` of the forwarded body; false past BOUND_MS. */
  function upstreamHolds(bytes: number): Promise<boolean> {
    return new Promise((resolve) => {
      const bound = setTimeout(() => resolve(false), BOUND_MS);
      onArrival = () => {
        if (arrivedBytes() < bytes) return;
        clearTimeout(bound);
        onArrival = () => undefined;
        resolve(true);
      };
      onArrival();
    });
  }

  it('passes the first half of a file to the upstream before the client has sent the second', async () => {
    const file = randomBytes(2 * HALF);
    const head = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="long.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    let answered: (value: { status: number; body: string }) => void = () => undefined;
    const answer = new Promise<{ status: number; body: string }>((resolve) => (answered = resolve));
    const req = httpRequest(`${stack.gw.url}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(head.length + file.length + tail.length),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => answered({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', () => answered({ status: 0, body: '' }));
    req.write(Buffer.concat([head, file.subarray(0, HALF)]));

    const seenEarly = await upstreamHolds(SEEN_BEFORE_REST);
    const bytesBeforeRest = arrivedBytes();
    if (!seenEarly) req.destroy();
    expect({ seenEarly, bytesBeforeRest: bytesBeforeRest >= SEEN_BEFORE_REST }).toEqual({ seenEarly: true, bytesBeforeRest: true });

    req.end(Buffer.concat([file.subarray(HALF), tail]));
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ text: 'ok' });
    // The whole file reached the upstream intact, inside the gateway's re-encoded form.
    expect(Buffer.concat(arriving).includes(file)).toBe(true);
  });
});
