/**
 * The identity the upstream sees is the gateway's alone: client credentials and every
 * identity-looking header are dropped, and the verified email is attached in headers and in
 * the JSON body fields LiteLLM reads for cost tracking.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Header names (normalised: lower case, "_" read as "-") that never pass from the client. */
const DROPPED_EXACT = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'forwarded',
  'remote-user',
  'x-remote-user',
  'x-user',
  'x-email',
  'x-real-ip',
  'x-request-id',
  'x-goog-authenticated-user-email',
  'x-ms-client-principal-name',
  // Other providers' credential headers: a client's own key must never reach the upstream.
  'x-goog-api-key',
  'ocp-apim-subscription-key',
  'user',
  'email',
]);
const DROPPED_PREFIXES = ['x-user-', 'x-forwarded-', 'x-litellm-', 'litellm-', 'x-gateway-', 'x-auth-', 'x-end-user', 'x-openwebui-user-'];

export function isIdentityHeader(name: string): boolean {
  const n = name.toLowerCase().replace(/_/g, '-');
  return DROPPED_EXACT.has(n) || DROPPED_PREFIXES.some((p) => n.startsWith(p));
}

/** Names of the request headers to remove before forwarding. */
export function identityHeaderNames(headers: IncomingHttpHeaders): string[] {
  return Object.keys(headers).filter(isIdentityHeader);
}

export interface VerifiedIdentity {
  email: string;
  tokenId?: string;
  requestId: string;
}

/** Headers the gateway sets on every forwarded request. */
export function identityHeaders(identity: VerifiedIdentity): Record<string, string> {
  const headers: Record<string, string> = {
    'x-litellm-customer-id': identity.email,
    'x-litellm-end-user-id': identity.email,
    'x-gateway-user-email': identity.email,
    'x-request-id': identity.requestId,
  };
  if (identity.tokenId) headers['x-gateway-token-id'] = identity.tokenId;
  return headers;
}

/**
 * Writes the verified email into a parsed JSON request body. Fields that exist are overwritten;
 * the one each API family defines is always set (OpenAI: `user`; Anthropic: `metadata.user_id`).
 */
export function stampBodyIdentity(body: Record<string, unknown>, email: string, path: string): void {
  const isAnthropic = path.startsWith('/v1/messages');
  if (!isAnthropic || 'user' in body) body.user = email;
  if ('safety_identifier' in body) body.safety_identifier = email;

  const metadata = asObject(body.metadata);
  if (metadata) {
    if (isAnthropic || 'user_id' in metadata) metadata.user_id = email;
    if ('trace_user_id' in metadata) metadata.trace_user_id = email;
  } else if (isAnthropic && !path.startsWith('/v1/messages/count_tokens')) {
    body.metadata = { user_id: email };
  } else if (body.metadata !== undefined) {
    // A non-object metadata could carry anything; replace it with the verified identity.
    body.metadata = { user_id: email };
  }

  const litellm = asObject(body.litellm_metadata);
  if (litellm) litellm.user = email;
  else if (body.litellm_metadata !== undefined) body.litellm_metadata = { user: email };
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
