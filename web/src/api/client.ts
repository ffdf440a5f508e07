/**
 * The one way the pages talk to the gateway: same-origin fetch with the session cookie, JSON in
 * and out, the CSRF token on every unsafe request. A 401 sends the browser to sign in and back;
 * a ban (403 user_banned, or 401 user_banned from older gateways) switches the page to the ban
 * notice instead, so a banned person never loops through the login.
 */
import type { BanNotice, ErrorBody } from './types.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(messagesOf(body, status).join(' '));
    this.name = 'ApiError';
  }

  get code(): string {
    return this.body.code ?? '';
  }

  /** Every message of the answer (a 400 lists one per refused field, each starting with the field's name). */
  get messages(): string[] {
    return messagesOf(this.body, this.status);
  }

  /** The messages about one field of the request, e.g. `token_name`. */
  about(field: string): string[] {
    return this.messages.filter((m) => m === field || m.startsWith(`${field} `));
  }
}

/** Thrown after the browser was sent away (to sign in): callers show nothing more. */
export class Redirecting extends Error {
  constructor() {
    super('Signing you in again…');
    this.name = 'Redirecting';
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Answer a 401 with an ApiError instead of sending the browser to sign in (the home page's probe). */
  allowSignedOut?: boolean;
}

type BanListener = (ban: BanNotice) => void;

let csrfToken: string | null = null;
const banListeners = new Set<BanListener>();

/** The session's CSRF token, from GET /api/me. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function onBanned(listener: BanListener): () => void {
  banListeners.add(listener);
  return () => banListeners.delete(listener);
}

/** /auth/login with the current page (and its tab, in the fragment) as returnTo. */
export function signInUrl(): string {
  return `/auth/login?returnTo=${encodeURIComponent(location.pathname + location.search + location.hash)}`;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(withQuery(path, options.query), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: 'same-origin',
    cache: 'no-store',
    redirect: 'error',
    signal: options.signal,
  });
  const body = await readBody(res);
  if (res.ok) return body as T;

  const error = new ApiError(res.status, (body && typeof body === 'object' ? body : { message: String(body ?? '') }) as ErrorBody);
  if (error.code === 'user_banned' && (res.status === 403 || res.status === 401)) {
    const ban = banNoticeOf(error.body);
    for (const listener of banListeners) listener(ban);
    throw error;
  }
  if (res.status === 401 && !options.allowSignedOut) {
    location.assign(signInUrl());
    throw new Redirecting();
  }
  throw error;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  delete: <T>(path: string, body?: unknown) => request<T>('DELETE', path, { body }),
};

function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function messagesOf(body: ErrorBody, status: number): string[] {
  const { message } = body;
  if (Array.isArray(message)) return message.map(String);
  if (typeof message === 'string' && message !== '') return [message];
  return [`The gateway answered ${status}${body.error ? ` ${body.error}` : ''}`];
}

function banNoticeOf(body: ErrorBody): BanNotice {
  if (body.ban) return body.ban;
  const until = body.banned_until ?? '';
  const remaining = until ? Math.max(0, Math.round((Date.parse(until) - Date.now()) / 1000)) : null;
  return { email: '', reason: '', banned_at: '', banned_until: until, remaining_seconds: remaining };
}
