/**
 * Finds the gateway token in a request: `Authorization: Bearer <jwt>` (OpenAI SDK, Anthropic SDK
 * 1.x, curl) or `x-api-key: <jwt>` (Anthropic SDK 0.x, Claude Code). Never the query string.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type RequestCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  /** Two different credentials, or a malformed Authorization header. */
  | { readonly kind: 'invalid' };

const NONE: RequestCredentials = { kind: 'none' };
const INVALID: RequestCredentials = { kind: 'invalid' };

export function readCredentials(headers: IncomingHttpHeaders): RequestCredentials {
  const authorization = headers.authorization;
  const apiKey = headers['x-api-key'];
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(authorization);
    if (!match) return INVALID;
    bearer = match[1];
  }
  if (Array.isArray(apiKey)) return INVALID;
  const key = apiKey?.trim() || undefined;
  if (bearer !== undefined && key !== undefined && bearer !== key) return INVALID;
  const token = bearer ?? key;
  return token === undefined ? NONE : { kind: 'token', token };
}
