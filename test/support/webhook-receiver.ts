/**
 * A local stand-in for a Slack incoming webhook: records every POST (its JSON body), and answers
 * as the test says: 200 "ok" (Slack's answer), another status, or nothing until released.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface ReceivedAlert {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: { text: string; blocks?: Array<Record<string, unknown>> };
}

export type ReceiverMode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'hold' };

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedAlert[];
  /** Requests held (mode hold) and not answered yet. */
  readonly held: number;
  /** How the next requests are answered: in order from `modes`, then `fallback`. */
  answer(modes: ReceiverMode[], fallback?: ReceiverMode): void;
  /** Answers every held request with 200 and switches to ok. */
  release(): void;
  /** Resolves once `count` alerts whose text matches `pattern` have arrived (polls; bounded). */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<ReceivedAlert[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedAlert[] = [];
  const heldResponses = new Set<ServerResponse>();
  let modes: ReceiverMode[] = [];
  let fallback: ReceiverMode = { kind: 'ok' };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: ReceivedAlert['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedAlert['body'];
      } catch {
        body = { text: `<not JSON: ${Buffer.concat(chunks).toString('utf8').slice(0, 100)}>` };
      }
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      const mode = modes.shift() ?? fallback;
      if (mode.kind === 'hold') {
        heldResponses.add(res);
        res.on('close', () => heldResponses.delete(res));
        return;
      }
      res.writeHead(mode.kind === 'ok' ? 200 : mode.status, { 'content-type': 'text/plain' });
      res.end(mode.kind === 'ok' ? 'ok' : 'error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const matching = (pattern: RegExp): ReceivedAlert[] => received.filter((r) => pattern.test(r.body.text));
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/webhook-secret-part`,
    received,
    get held() {
      return heldResponses.size;
    },
    answer(next, otherwise = { kind: 'ok' }) {
      modes = [...next];
      fallback = otherwise;
    },
    release() {
      modes = [];
      fallback = { kind: 'ok' };
      for (const res of heldResponses) {
        res.writeHead(200);
        res.end('ok');
      }
      heldResponses.clear();
    },
    async waitFor(pattern, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (matching(pattern).length < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `waited ${timeoutMs} ms for ${count} alert(s) matching ${pattern}; got: ${JSON.stringify(received.map((r) => r.body.text))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return matching(pattern);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of heldResponses) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
