/**
 * The benchmark's upstream, in a process of its own: a fixed ~1 KB chat-completion JSON for a
 * plain POST, and an SSE stream (SSE_EVENTS chunks, SSE_GAP_MS apart) when the body asks for
 * `"stream":true` (held open after its first event when the model is `bench-hold`). It never parses the body, so its cost is the same for every target.
 */
import { createServer } from 'node:http';

const events = Number(process.env.SSE_EVENTS ?? 20);
const gapMs = Number(process.env.SSE_GAP_MS ?? 2);

const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench-0001',
    object: 'chat.completion',
    created: 1700000000,
    model: 'bench-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog. '.repeat(19).trim() },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 180, completion_tokens: 171, total_tokens: 351 },
  }),
);

const frames = [];
for (let i = 0; i < events; i++) {
  const chunk = {
    id: 'chatcmpl-bench-0002',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'bench-model',
    choices: [{ index: 0, delta: { content: `word${i} ` }, finish_reason: null }],
  };
  frames.push(`data: ${JSON.stringify(chunk)}\n\n`);
}
frames.push('data: [DONE]\n\n');

const STREAM_FLAG = Buffer.from('"stream":true');
/** A held stream: one event at once, then nothing until the client leaves (the held-streams phase). */
const HOLD_FLAG = Buffer.from('"model":"bench-hold"');

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    if (req.method !== 'POST' || !req.url.startsWith('/v1/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"bench upstream: no such route","type":"not_found_error"}}');
      return;
    }
    if (body.includes(HOLD_FLAG)) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(frames[0]);
      return;
    }
    if (body.includes(STREAM_FLAG)) {
      stream(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': completion.length });
    res.end(completion);
  });
});

function stream(res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    res.write(frames[i++]);
    if (i === frames.length) res.end();
    else setTimeout(next, gapMs);
  };
  next();
}

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port, bodyBytes: completion.length }));
