/**
 * Reading a client's request body: the errors a body can end in, each with the answer it gets, and
 * reading a whole body into memory, refused as soon as it passes the limit or stalls.
 */
import type { IncomingMessage } from 'node:http';
import { toError } from '../common/unknown-value.js';

/** A body the client stopped sending, or whose connection broke: there is nobody left to answer. */
export class BodyAbortedError extends Error {}

/** A body refused with an answer. */
export abstract class RequestBodyError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Close the connection after the answer: the rest of the body is not read. */
  readonly closeConnection: boolean = true;
}

export class BodyTooLargeError extends RequestBodyError {
  readonly status = 413;
  readonly code = 'body_too_large';
  constructor(limitBytes: number) {
    super(`Request body is larger than ${limitBytes} bytes`);
  }
}

export class BodyIdleError extends RequestBodyError {
  readonly status = 408;
  readonly code = 'body_timeout';
  constructor(idleMs: number) {
    super(`The request body stalled: nothing arrived for ${idleMs} ms`);
  }
}

export class InvalidBodyError extends RequestBodyError {
  readonly status = 400;
  override readonly closeConnection = false;
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class BlockedFieldError extends RequestBodyError {
  readonly status = 400;
  readonly code = 'blocked_field';
  override readonly closeConnection = false;
  constructor(
    readonly field: string,
    where: 'field' | 'query parameter' = 'field',
  ) {
    super(`The ${where} ${field} is not accepted: the gateway alone chooses the upstream and its credentials`);
  }
}

/**
 * Calls `onIdle` when nothing has been `touch`ed for `idleMs` while running. The timer is paused while
 * the gateway itself holds the body back (backpressure), so only the client's silence counts.
 */
export class IdleTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: () => void,
  ) {}

  touch(): void {
    if (this.timer === undefined) this.timer = setTimeout(this.onIdle, this.idleMs);
    else this.timer.refresh();
  }

  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export interface BodyLimits {
  readonly limitBytes: number;
  readonly idleMs: number;
}

/**
 * The whole body, when it has all arrived already (a small body usually comes in the same packets as
 * its headers): taken at once, with no listeners and no timer; null when some is still to come.
 * Throws BodyTooLargeError past the limit, as readBody rejects.
 */
export function bufferedBody(req: IncomingMessage, limits: BodyLimits): Buffer | null {
  if (req.readableFlowing === true || req.readableEnded) return null;
  if (!req.complete && !declaredBodyArrived(req)) return null;
  if (req.readableLength > limits.limitBytes) {
    req.resume();
    throw new BodyTooLargeError(limits.limitBytes);
  }
  // read() hands over everything buffered and lets the stream end, so Node reuses the connection.
  const complete = req.complete;
  const body = req.read() as Buffer | null;
  // Every declared byte is here but the message's end is still to be parsed: flowing, the stream ends by itself.
  if (!complete) req.resume();
  return body ?? EMPTY;
}

/** Every byte a Content-Length declared is buffered (the parser may not have marked the message complete yet). */
function declaredBodyArrived(req: IncomingMessage): boolean {
  const declared = req.headers['content-length'];
  return declared !== undefined && req.headers['transfer-encoding'] === undefined && req.readableLength === Number(declared);
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads a request body into memory: at once when it has all arrived (bufferedBody), else as it comes.
 * Rejects with BodyTooLargeError, BodyIdleError or BodyAbortedError.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  try {
    const arrived = bufferedBody(req, limits);
    if (arrived !== null) return Promise.resolve(arrived);
  } catch (err) {
    return Promise.reject(toError(err));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: Error): void => {
      cleanup();
      // Whatever else the client sends is read and dropped, so it reads the answer instead of a reset.
      req.resume();
      reject(err);
    };
    const idle = new IdleTimer(limits.idleMs, () => fail(new BodyIdleError(limits.idleMs)));
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.limitBytes) {
        fail(new BodyTooLargeError(limits.limitBytes));
        return;
      }
      idle.touch();
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (): void => fail(new BodyAbortedError());
    const onClose = (): void => {
      if (!req.complete) onError();
    };
    const cleanup = (): void => {
      idle.pause();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    idle.touch();
  });
}
