/**
 * The identity the upstream sees is the gateway's alone: client credentials, every identity-looking
 * header and every header that could re-route the call are dropped, and the verified email is attached
 * in headers and in the body fields LiteLLM reads for cost tracking.
 */

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

/**
 * Headers (normalised as above) that some server, framework or proxy in front of the upstream reads as
 * the request's real target, method, host or client address: forwarded, they would let a client reach
 * a route or method the gateway never checked (X-Original-URL, X-HTTP-Method-Override, ...).
 */
const ROUTING_EXACT = new Set([
  'x-rewrite-url',
  'x-http-method',
  'x-http-method-override',
  'x-method-override',
  'x-host',
  'x-forwarded',
  'x-proxy-url',
  'x-override-url',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'via',
]);
const ROUTING_PREFIXES = ['x-original-', 'x-forwarded-', 'x-envoy-', 'x-amzn-', 'x-ms-original-'];

function normalise(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

export function isIdentityHeader(name: string): boolean {
  const n = normalise(name);
  return DROPPED_EXACT.has(n) || DROPPED_PREFIXES.some((p) => n.startsWith(p));
}

export function isRoutingHeader(name: string): boolean {
  const n = normalise(name);
  return ROUTING_EXACT.has(n) || ROUTING_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * Writes the verified email into a parsed JSON request body. Fields that exist are overwritten;
 * the one each API family defines is always set (OpenAI: `user`; Anthropic: `metadata.user_id`).
 */
export function stampBodyIdentity(body: Record<string, unknown>, email: string, path: string): void {
  const isAnthropic = isAnthropicPath(path);
  if (!isAnthropic || 'user' in body) body.user = email;
  if ('safety_identifier' in body) body.safety_identifier = email;

  if (body.metadata !== undefined) body.metadata = stampedMetadata(body.metadata, email, isAnthropic);
  else if (isAnthropic && takesAnthropicMetadata(path)) body.metadata = { user_id: email };

  if (body.litellm_metadata !== undefined) body.litellm_metadata = stampedLitellmMetadata(body.litellm_metadata, email);
}

/** The top-level fields that carry identity: stampBodyIdentity overwrites or descends into them, and form fields of these names are stamped. */
const IDENTITY_FIELDS = ['user', 'safety_identifier', 'metadata', 'litellm_metadata'] as const;

/**
 * For a body that holds none of the fields stampBodyIdentity reads: the members that stamping adds,
 * as JSON text to write in after the body's own (OpenAI: `"user":...`; Anthropic: `"metadata":{"user_id":...}`;
 * empty when it adds none). undefined when the body holds such a field: it must be stamped and re-encoded.
 */
export function identityInsertion(body: Record<string, unknown>, email: string, path: string): string | undefined {
  for (const field of IDENTITY_FIELDS) if (field in body) return undefined;
  const value = JSON.stringify(email);
  if (!isAnthropicPath(path)) return `"user":${value}`;
  return takesAnthropicMetadata(path) ? `"metadata":{"user_id":${value}}` : '';
}

/** Anthropic's Messages API: identity in `metadata.user_id`, not `user`. */
function isAnthropicPath(path: string): boolean {
  return path.startsWith('/v1/messages');
}

/** Every Messages call but token counting (which takes no metadata) gets `metadata.user_id` added. */
function takesAnthropicMetadata(path: string): boolean {
  return !path.startsWith('/v1/messages/count_tokens');
}

/** Form fields (uploads, OpenAI-style paths) that carry identity; `user` is added when absent. */
export const FORM_IDENTITY_FIELDS: ReadonlySet<string> = new Set(IDENTITY_FIELDS);

/**
 * The value a form field of FORM_IDENTITY_FIELDS is forwarded with. `metadata` and `litellm_metadata`
 * arrive as JSON text (LiteLLM parses them); `parsed` is that text's object, or null when it is none.
 */
export function stampedFormField(name: string, parsed: Record<string, unknown> | null, email: string): string {
  if (name === 'metadata') return JSON.stringify(stampedMetadata(parsed, email, false));
  if (name === 'litellm_metadata') return JSON.stringify(stampedLitellmMetadata(parsed, email));
  return email;
}

function stampedMetadata(value: unknown, email: string, isAnthropic: boolean): Record<string, unknown> {
  const metadata = asObject(value);
  // A non-object metadata could carry anything; it is replaced with the verified identity.
  if (!metadata) return { user_id: email };
  if (isAnthropic || 'user_id' in metadata) metadata.user_id = email;
  if ('trace_user_id' in metadata) metadata.trace_user_id = email;
  return metadata;
}

function stampedLitellmMetadata(value: unknown, email: string): Record<string, unknown> {
  const litellm = asObject(value);
  if (!litellm) return { user: email };
  litellm.user = email;
  return litellm;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
