/**
 * Finds the gateway token in a request: `Authorization: Bearer <jwt>` (OpenAI SDK, Anthropic SDK
 * 1.x, curl) or `x-api-key: <jwt>` (Anthropic SDK 0.x, Claude Code). Never the query string.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type RequestCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  /** Two different credentials, a credential header sent twice, or a malformed Authorization header. */
  | { readonly kind: 'invalid' };

/** What of a request this reads: the parsed headers and the raw ones (Node's IncomingMessage has both). */
export interface CredentialSource {
  readonly headers: IncomingHttpHeaders;
  /** Header names and values as received, alternating: Node keeps only the first Authorization in `headers`. */
  readonly rawHeaders: readonly string[];
}

const NONE: RequestCredentials = { kind: 'none' };
const INVALID: RequestCredentials = { kind: 'invalid' };

export function readCredentials(req: CredentialSource): RequestCredentials {
  const { headers } = req;
  const authorization = headers.authorization;
  const apiKey = headers['x-api-key'];
  if ((authorization !== undefined || apiKey !== undefined) && sendsCredentialHeaderTwice(req.rawHeaders)) return INVALID;
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

/**
 * True when Authorization or x-api-key appears more than once. Node keeps the first Authorization and
 * joins repeated x-api-key values with ", ", while a server behind the gateway may read the last one:
 * two of them never name one credential.
 */
function sendsCredentialHeaderTwice(rawHeaders: readonly string[]): boolean {
  let authorizations = 0;
  let apiKeys = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 13 && name.toLowerCase() === 'authorization') authorizations++;
    else if (name.length === 9 && name.toLowerCase() === 'x-api-key') apiKeys++;
  }
  return authorizations > 1 || apiKeys > 1;
}
