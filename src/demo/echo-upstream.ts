/**
 * A small LLM backend that speaks enough of the OpenAI and Anthropic APIs (JSON and SSE) to try
 * the gateway without a real provider: it answers by echoing the last user message. Used by
 * `npm run demo`, the benchmark and the end-to-end tests (which also read what it received).
 *
 * A few model names select test behaviours on /v1/chat/completions and /v1/messages:
 * `slow-stream` streams 600 events 50 ms apart, `hang` never answers, `delay-<ms>` answers after
 * that many ms, and `status-<NNN>` (e.g. `status-429`) answers that HTTP status with a
 * provider-shaped error body. Uploads (/v1/audio/transcriptions, /v1/images/edits) are parsed and
 * their fields and file digests recorded.
 * Failures as LiteLLM shows them: `leak-500` answers 500 with a traceback full of secrets
 * (as SSE when streamed); `reset` drops the connection before answering, `die-after-headers`
 * (streamed) right after sending its headers; `die-mid-stream`,
 * `die-mid-event` and `silent-mid-stream` stop after three events (the connection dies between
 * events, dies inside one, or stays open and silent; without `stream` the JSON body dies halfway).
 * Like OpenAI, every answer carries the upstream's own `x-request-id`, and like LiteLLM it adds
 * internal headers (`LITELLM_INTERNAL_HEADERS`) that a gateway must not pass on.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { describeValue } from '../common/unknown-value.js';

/** Headers LiteLLM adds to its answers, some of which name internal deployments or key spend. */
export const LITELLM_INTERNAL_HEADERS: Readonly<Record<string, string>> = {
  'x-litellm-model-api-base': 'http://10.20.0.7:8000/v1',
  'x-litellm-key-spend': '12.5',
  'x-litellm-version': '1.55.0',
  'set-cookie': 'litellm_session=internal; Path=/; HttpOnly',
};
/** Provider headers such answers carry too, which clients read. */
export const PROVIDER_HEADERS: Readonly<Record<string, string>> = {
  'x-ratelimit-remaining-requests': '99',
  'openai-processing-ms': '3',
  'anthropic-ratelimit-requests-remaining': '49',
};
/** What the `leak-500` traceback gives away, for tests to look for. */
export const LEAKED_SECRETS = {
  masterKey: 'sk-master-4f1c2d3e5a6b7c8d',
  databasePassword: 'pg-pass-9d8c7b6a',
  providerKey: 'sk-proj-providerkey0123456789',
} as const;

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Parsed JSON body, when it was JSON. */
  json?: Record<string, unknown>;
  /** The client's port: requests that share one came over one connection. */
  remotePort?: number;
  /** Parsed multipart body, when it was a well-formed form. */
  form?: ReceivedForm;
  /** True when the client went away before the answer was complete. */
  aborted: boolean;
  /** True once the whole answer has been written. */
  finished: boolean;
}

export interface ReceivedForm {
  /** Field values by name, in order. */
  fields: Record<string, string[]>;
  files: Array<{ field: string; filename: string; mimeType: string; size: number; sha256: string }>;
}

export interface EchoUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

export interface EchoUpstreamOptions {
  port?: number;
  host?: string;
  /** Delay between SSE events in ms (default 5). */
  eventDelayMs?: number;
  /** Keep at most this many received requests (default 1000). */
  keepRequests?: number;
}

export async function startEchoUpstream(options: EchoUpstreamOptions = {}): Promise<EchoUpstream> {
  const requests: ReceivedRequest[] = [];
  const keep = options.keepRequests ?? 1000;
  const delay = options.eventDelayMs ?? 5;
  let served = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    const onEnd = async (): Promise<void> => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        remotePort: req.socket.remotePort,
        aborted: false,
        finished: false,
      };
      try {
        if (body) received.json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // Not JSON: recorded as text.
      }
      if (/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) received.form = await parseForm(req.headers, raw);
      requests.push(received);
      if (requests.length > keep) requests.shift();
      res.on('finish', () => {
        received.finished = true;
      });
      res.on('close', () => {
        if (!res.writableFinished) received.aborted = true;
      });
      res.setHeader('x-request-id', `echo-${++served}`);
      for (const [name, value] of Object.entries({ ...LITELLM_INTERNAL_HEADERS, ...PROVIDER_HEADERS })) res.setHeader(name, value);
      route(req, res, received, delay);
    };
    req.on('end', () => void onEnd());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function route(req: IncomingMessage, res: ServerResponse, received: ReceivedRequest, delay: number): void {
  const path = (req.url ?? '').split('?')[0];
  const body = received.json ?? {};
  if (req.method === 'GET' && path === '/v1/models') {
    return json(res, 200, { object: 'list', data: [{ id: 'echo-1', object: 'model', created: 0, owned_by: 'echo' }] });
  }
  if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/messages')) {
    const model = describeValue(body.model ?? '');
    // Never answers: the caller's timeout or abort ends the request.
    if (model === 'hang') return;
    const delayed = /^delay-(\d+)$/.exec(model);
    if (delayed) {
      setTimeout(
        () => (path === '/v1/messages' ? anthropicMessages(res, body, delay) : chatCompletions(res, body, delay)),
        Number(delayed[1]),
      );
      return;
    }
    if (model === 'reset') {
      req.socket.destroy();
      return;
    }
    if (model === 'leak-500') return leakyTraceback(res, body.stream === true);
    const status = /^status-([45]\d\d)$/.exec(model);
    if (status) return providerError(res, Number(status[1]), path === '/v1/messages');
  }
  if (req.method === 'POST' && path === '/v1/chat/completions') return chatCompletions(res, body, delay);
  if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
    return json(res, 200, { input_tokens: countWords(lastUserText(body)) });
  }
  if (req.method === 'POST' && path === '/v1/messages') return anthropicMessages(res, body, delay);
  if (req.method === 'POST' && path === '/v1/embeddings') {
    const vector = [0.1, 0.2, 0.3];
    // The OpenAI SDK asks for base64 (little-endian float32) unless told otherwise, and decodes it.
    const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return json(res, 200, {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding }],
      model: describeValue(body.model ?? 'echo-1'),
      usage: { prompt_tokens: 1, total_tokens: 1 },
    });
  }
  if (req.method === 'POST' && path === '/v1/audio/transcriptions' && received.form) {
    return json(res, 200, { text: `echo: ${received.form.files.map((f) => `${f.filename} (${f.size} bytes)`).join(', ')}` });
  }
  if (req.method === 'POST' && path === '/v1/images/edits' && received.form) {
    return json(res, 200, { created: 0, data: [{ b64_json: '', revised_prompt: received.form.fields.prompt?.[0] ?? '' }] });
  }
  if (path === '/v1/status/429') {
    return json(res, 429, { error: { message: 'Rate limit reached (echo)', type: 'rate_limit_error', code: 'rate_limited' } });
  }
  return json(res, 404, { error: { message: `echo upstream has no route ${req.method} ${path}`, type: 'not_found_error' } });
}

/** The fields and file digests of a multipart body, or undefined when it is not a well-formed form. */
function parseForm(headers: IncomingHttpHeaders, raw: Buffer): Promise<ReceivedForm | undefined> {
  return new Promise((resolve) => {
    const form: ReceivedForm = { fields: {}, files: [] };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, defParamCharset: 'utf8' });
    } catch {
      resolve(undefined);
      return;
    }
    parser.on('field', (name, value) => (form.fields[name] ??= []).push(value));
    parser.on('file', (field, stream, info) => {
      const hash = createHash('sha256');
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        hash.update(chunk);
      });
      stream.on('end', () =>
        form.files.push({ field, filename: info.filename ?? '', mimeType: info.mimeType, size, sha256: hash.digest('hex') }),
      );
    });
    parser.on('finish', () => resolve(form));
    parser.on('error', () => resolve(undefined));
    parser.end(raw);
  });
}

/** An error answer in the shape the provider's SDK parses, with the headers such answers carry. */
function providerError(res: ServerResponse, status: number, anthropic: boolean): void {
  const message = `echo upstream answered ${status} as asked`;
  const body = anthropic
    ? { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message } }
    : { error: { message, type: status === 429 ? 'rate_limit_error' : 'api_error', code: `echo_${status}` } };
  if (status === 429 || status === 503) res.setHeader('retry-after', '7');
  res.setHeader('x-echo-error', String(status));
  json(res, status, body);
}

function chatCompletions(res: ServerResponse, body: Record<string, unknown>, delay: number): void {
  const text = `echo: ${lastUserText(body)}`;
  const model = describeValue(body.model ?? 'echo-1');
  const id = `chatcmpl-echo-${Date.now()}`;
  if (body.stream === true) {
    const words = model === 'slow-stream' ? Array.from({ length: 600 }, (_, i) => `w${i} `) : splitWords(text);
    const events = words.map((w) => ({
      id,
      object: 'chat.completion.chunk',
      created: 0,
      model,
      choices: [{ index: 0, delta: { content: w }, finish_reason: null }],
    }));
    events.push({
      id,
      object: 'chat.completion.chunk',
      created: 0,
      model,
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
    } as never);
    return sse(
      res,
      events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat('data: [DONE]\n\n'),
      model === 'slow-stream' ? 50 : delay,
      model,
    );
  }
  return json(
    res,
    200,
    {
      id,
      object: 'chat.completion',
      created: 0,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    },
    model,
  );
}

function anthropicMessages(res: ServerResponse, body: Record<string, unknown>, delay: number): void {
  const text = `echo: ${lastUserText(body)}`;
  const model = describeValue(body.model ?? 'echo-1');
  const id = `msg_echo_${Date.now()}`;
  if (body.stream === true) {
    const words = model === 'slow-stream' ? Array.from({ length: 600 }, (_, i) => `w${i} `) : splitWords(text);
    const frames: string[] = [];
    const ev = (type: string, data: unknown): void => {
      frames.push(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    ev('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 0 },
      },
    });
    ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    for (const w of words) ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } });
    ev('content_block_stop', { type: 'content_block_stop', index: 0 });
    ev('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: words.length },
    });
    ev('message_stop', { type: 'message_stop' });
    return sse(res, frames, model === 'slow-stream' ? 50 : delay, model);
  }
  return json(res, 200, {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  });
}

/** After this many events the `*-mid-stream` and `die-mid-event` models fail. */
const EVENTS_BEFORE_FAULT = 3;

function sse(res: ServerResponse, frames: string[], delay: number, model: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (i === 0 && model === 'die-after-headers') {
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), delay);
      return;
    }
    if (i === EVENTS_BEFORE_FAULT && model === 'silent-mid-stream') return;
    if (i === EVENTS_BEFORE_FAULT && (model === 'die-mid-stream' || model === 'die-mid-event')) {
      if (model === 'die-mid-event') res.write(frames[i].slice(0, frames[i].length >> 1));
      // Let the written bytes leave before the connection dies, as a crashing process's would.
      setTimeout(() => res.socket?.destroy(), delay);
      return;
    }
    if (i >= frames.length) {
      res.end();
      return;
    }
    res.write(frames[i++]);
    setTimeout(next, delay);
  };
  next();
}

function json(res: ServerResponse, status: number, body: unknown, model?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  if (model === 'die-mid-stream' || model === 'die-mid-event' || model === 'silent-mid-stream') {
    res.write(text.slice(0, text.length >> 1));
    if (model !== 'silent-mid-stream') setTimeout(() => res.socket?.destroy(), 5);
    return;
  }
  res.end(text);
}

/** A LiteLLM-style 500 whose message is a traceback with the process environment in it. */
function leakyTraceback(res: ServerResponse, streamed: boolean): void {
  const message = [
    'litellm.InternalServerError: Traceback (most recent call last):',
    '  File "/app/litellm/proxy/proxy_server.py", line 3120, in chat_completion',
    `    environ({'LITELLM_MASTER_KEY': '${LEAKED_SECRETS.masterKey}', 'DATABASE_URL': 'postgresql://llmproxy:${LEAKED_SECRETS.databasePassword}@db:5432/litellm'})`,
    `  headers: Authorization: Bearer ${LEAKED_SECRETS.providerKey}`,
    `LITELLM_MASTER_KEY=${LEAKED_SECRETS.masterKey} DATABASE_URL=postgresql://llmproxy:${LEAKED_SECRETS.databasePassword}@db:5432/litellm`,
  ].join('\n');
  const error = { error: { message, type: 'internal_server_error', param: null, code: '500' } };
  if (!streamed) return json(res, 500, error);
  res.writeHead(500, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: unknown }>) : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return describeValue(body.input ?? body.prompt ?? '');
  if (typeof last.content === 'string') return last.content;
  if (Array.isArray(last.content)) {
    return (last.content as Array<{ type?: string; text?: string }>).map((p) => p.text ?? '').join(' ');
  }
  return '';
}

function splitWords(text: string): string[] {
  return text.split(/(?<= )/);
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
