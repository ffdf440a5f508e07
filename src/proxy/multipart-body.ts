/**
 * A multipart upload (/v1/audio, /v1/images) on its way to the upstream: parsed as it streams (busboy),
 * every field checked like a JSON body's (no upstream-steering field, identity fields carry the verified
 * email), files streamed on without being held whole, and the form re-encoded under a boundary of the
 * gateway's own. BODY_LIMIT and the body idle timeout hold throughout.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import busboy from 'busboy';
import { toError } from '../common/unknown-value.js';
import { FORM_IDENTITY_FIELDS, stampedFormField } from './identity.js';
import { nestsDeeperThan } from './json-body.js';
import {
  BlockedFieldError,
  BodyAbortedError,
  BodyIdleError,
  BodyTooLargeError,
  IdleTimer,
  InvalidBodyError,
  type BodyLimits,
} from './request-body.js';
import { NESTED_SETTING_FIELDS, type SteeringFields } from './steering-fields.js';

export interface FormRules extends BodyLimits {
  readonly email: string;
  readonly steering: SteeringFields;
  readonly maxDepth: number;
}

export interface FormHandlers {
  /**
   * Forwarding may begin: the first file part has started (every field before it has passed), or the
   * form has ended without one. Called at most once.
   */
  onReady(): void;
  /**
   * The form is refused (a RequestBodyError) or the client went away (BodyAbortedError). Called at most
   * once; after onReady the forwarded body stops short, so the caller must abort the upstream request.
   */
  onFail(err: Error): void;
}

export interface RewrittenForm {
  /** The re-encoded form, to hand to the proxy as the request body (sent chunked). */
  readonly body: Readable;
  readonly contentType: string;
}

/** Enough for any upload API; a form with more parts is refused rather than parsed on. */
const MAX_PARTS = 1000;

/** Starts reading the form. Throws InvalidBodyError at once when the content-type names no boundary. */
export function rewriteMultipart(req: IncomingMessage, rules: FormRules, handlers: FormHandlers): RewrittenForm {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      // BODY_LIMIT bounds every field; a field cut short is never forwarded.
      limits: { fieldSize: rules.limitBytes, parts: MAX_PARTS, files: MAX_PARTS, fields: MAX_PARTS },
    });
  } catch {
    throw new InvalidBodyError('The multipart body has no valid boundary', 'invalid_multipart');
  }
  const boundary = `----llm-gateway-${randomBytes(16).toString('hex')}`;
  const out = new PassThrough();
  const form = new FormRewrite(req, parser, out, boundary, rules, handlers);
  form.start();
  return { body: out, contentType: `multipart/form-data; boundary=${boundary}` };
}

class FormRewrite {
  private failed = false;
  /** The whole form has been written on: nothing can refuse it any more. */
  private finished = false;
  private ready = false;
  private sawUser = false;
  private received = 0;
  /** Parts are written strictly in order: a file's buffered tail comes before the next part. */
  private chain: Promise<void> = Promise.resolve();
  private readonly idle: IdleTimer;

  constructor(
    private readonly req: IncomingMessage,
    private readonly parser: busboy.Busboy,
    private readonly out: PassThrough,
    private readonly boundary: string,
    private readonly rules: FormRules,
    private readonly handlers: FormHandlers,
  ) {
    this.idle = new IdleTimer(rules.idleMs, () => this.fail(new BodyIdleError(rules.idleMs)));
  }

  start(): void {
    const { req, parser } = this;
    parser.on('field', (name, value, info) => this.enqueue(() => this.writeField(name, value, info.valueTruncated)));
    parser.on('file', (name, stream, info) => {
      // A file part can break (the form ends inside it) before its turn in the chain comes.
      stream.once('error', (err: Error) => this.fail(malformed(err)));
      this.enqueue(() => this.writeFile(name, stream, info.filename, info.mimeType));
    });
    parser.on('finish', () => this.enqueue(() => this.finish()));
    parser.on('error', (err: Error) => this.fail(malformed(err)));
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      parser.on(limit, () => this.fail(new InvalidBodyError(`The form has more than ${MAX_PARTS} parts`, 'invalid_multipart')));
    }
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('error', this.onAborted);
    req.on('close', this.onClose);
    this.idle.touch();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.received += chunk.length;
    if (this.received > this.rules.limitBytes) {
      this.fail(new BodyTooLargeError(this.rules.limitBytes));
      return;
    }
    this.idle.touch();
    if (!this.parser.write(chunk)) {
      // The parser waits on the upstream: the client's silence from now on is the gateway's doing.
      this.req.pause();
      this.idle.pause();
      this.parser.once('drain', () => {
        if (this.failed) return;
        this.idle.touch();
        this.req.resume();
      });
    }
  };

  private readonly onEnd = (): void => {
    this.idle.pause();
    this.parser.end();
  };

  private readonly onAborted = (): void => this.fail(new BodyAbortedError());

  private readonly onClose = (): void => {
    if (!this.req.complete) this.onAborted();
  };

  private enqueue(job: () => Promise<void> | void): void {
    this.chain = this.chain.then(() => (this.failed ? undefined : job())).catch((err: unknown) => this.fail(toError(err)));
  }

  private writeField(name: string, value: string, truncated: boolean): Promise<void> | void {
    if (!name) throw new InvalidBodyError('A form part has no name', 'invalid_multipart');
    if (truncated) throw new BodyTooLargeError(this.rules.limitBytes);
    if (this.rules.steering.isBlocked(name)) throw new BlockedFieldError(name);
    let forwarded = value;
    if (FORM_IDENTITY_FIELDS.has(name)) {
      if (name === 'user') this.sawUser = true;
      const settings = NESTED_SETTING_FIELDS.includes(name) ? this.settingsObject(name, value) : null;
      forwarded = stampedFormField(name, settings, this.rules.email);
    }
    return this.write(`--${this.boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${forwarded}\r\n`);
  }

  /** A JSON-text field LiteLLM reads settings from (`metadata`), checked like a JSON body's object. */
  private settingsObject(name: string, value: string): Record<string, unknown> | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    if (nestsDeeperThan(parsed, this.rules.maxDepth)) {
      throw new InvalidBodyError(`The form field ${name} nests deeper than ${this.rules.maxDepth} levels`, 'json_too_deep');
    }
    const blocked = this.rules.steering.findInNested(parsed);
    if (blocked !== null) throw new BlockedFieldError(`${name}.${blocked}`);
    return parsed as Record<string, unknown>;
  }

  private async writeFile(name: string, stream: Readable, filename: string | undefined, mimeType: string): Promise<void> {
    if (!name) throw new InvalidBodyError('A form part has no name', 'invalid_multipart');
    if (this.rules.steering.isBlocked(name)) throw new BlockedFieldError(name);
    if (filename === undefined || FORM_IDENTITY_FIELDS.has(name)) {
      // A part without a filename is a plain field to the upstream, whatever its content type; read as
      // one, it gets a field's checks (a `metadata` sent as application/octet-stream is still checked).
      const chunks: Buffer[] = [];
      await this.readFilePart(stream, (chunk) => {
        chunks.push(chunk);
      });
      return this.writeField(name, Buffer.concat(chunks).toString('utf8'), false);
    }
    this.markReady();
    await this.write(
      `--${this.boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"; filename="${quoted(filename)}"\r\nContent-Type: ${mimeType}\r\n\r\n`,
    );
    await this.readFilePart(stream, (chunk) => this.write(chunk));
    await this.write('\r\n');
  }

  /** Passes each chunk of a file part on, in order; the part ends early only on a malformed body. */
  private async readFilePart(stream: Readable, onChunk: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    try {
      for await (const chunk of stream) await onChunk(chunk as Buffer);
    } catch (err) {
      if (this.failed || err instanceof BodyAbortedError) throw err;
      throw malformed(err as Error);
    }
  }

  private async finish(): Promise<void> {
    if (!this.sawUser) {
      await this.write(`--${this.boundary}\r\nContent-Disposition: form-data; name="user"\r\n\r\n${this.rules.email}\r\n`);
    }
    this.markReady();
    this.finished = true;
    this.out.end(`--${this.boundary}--\r\n`);
  }

  private markReady(): void {
    if (this.ready || this.failed) return;
    this.ready = true;
    this.handlers.onReady();
  }

  /**
   * Writes to the forwarded body, waiting while the upstream is not taking it. Until forwarding begins
   * nothing takes it: the fields before the first file (in memory already, within BODY_LIMIT) wait there.
   */
  private write(chunk: string | Buffer): Promise<void> | void {
    if (this.out.write(chunk) || !this.ready) return;
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.out.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.out.off('drain', onDrain);
        reject(new BodyAbortedError());
      };
      this.out.once('drain', onDrain);
      this.out.once('close', onClose);
    });
  }

  private fail(err: Error): void {
    if (this.failed || this.finished) return;
    this.failed = true;
    this.idle.pause();
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    // Whatever else the client sends is read and dropped, so it reads the answer instead of a reset.
    this.req.resume();
    this.parser.destroy();
    // Never ended: the upstream gets no closing boundary and no end of body, so it cannot act on the part it saw.
    this.out.destroy();
    this.handlers.onFail(err);
  }
}

function malformed(err: Error): InvalidBodyError {
  return new InvalidBodyError(`The multipart body is malformed: ${err.message}`, 'invalid_multipart');
}

/** A name or filename inside a quoted Content-Disposition parameter; nothing in it can end the quotes. */
function quoted(value: string): string {
  return value.replace(/["\\\r\n]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
