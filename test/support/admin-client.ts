/**
 * Small helpers for the admin API specs: mint tokens through the real TokensService and call the
 * running gateway over HTTP with them.
 */
import type { TokenScope } from '../../src/common/authenticated-user.js';
import { TokensService } from '../../src/tokens/tokens.service.js';
import type { TestApp } from './test-app.js';

export interface ApiAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export async function mintToken(gw: TestApp, email: string, scopes: TokenScope[] = ['llm', 'admin'], name = 'test'): Promise<string> {
  const { token } = await gw.get<TokensService>(TokensService).create({ email, scopes, name, createdVia: 'cli' });
  return token;
}

export async function call<T = Record<string, unknown>>(
  gw: TestApp,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body: body as T, headers: res.headers };
}
