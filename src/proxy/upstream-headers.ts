/**
 * The headers of the upstream request, built from the client's in one pass: the client's hop-by-hop
 * headers (and those its Connection header names), its credentials, every identity-looking header
 * and every header that could re-route the call never pass (identity.ts has the lists); the
 * gateway's own credential, the verified identity, the target's Host and the body's framing are set.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { isIdentityHeader, isRoutingHeader } from './identity.js';

/** Headers that belong to the client's hop (RFC 9110 7.6.1); `expect` was answered by Node already. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect']);
/** Never dropped on the Connection header's say-so: the request would lose its framing or target. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'host', 'content-type']);
/** Header names whose verdict is remembered; clients send the same few, and a flood of odd ones is judged each time. */
const MAX_REMEMBERED_NAMES = 512;

/** What the gateway knows of the call when it builds the upstream request's headers. */
export interface UpstreamCall {
  readonly email: string;
  readonly tokenId?: string;
  readonly requestId: string;
  /** A body read whole (JSON), sent with its length. */
  readonly bodyLength?: number;
  /** A form re-encoded as it streams: sent chunked, under the gateway's own boundary. */
  readonly formContentType?: string;
}

export interface UpstreamHeadersOptions {
  /** Host (and port) of UPSTREAM_URL. */
  readonly host: string;
  /** UPSTREAM_API_KEY; empty: none is sent. */
  readonly apiKey: string;
  /** Where the key goes: `authorization` (Bearer) or `x-api-key`. */
  readonly authHeader: string;
}

export class UpstreamHeaders {
  /** Verdicts by header name as Node gives it (lower case): true when the name may pass. */
  private readonly verdicts = new Map<string, boolean>();

  constructor(private readonly options: UpstreamHeadersOptions) {}

  /** The upstream request's headers; `given` (the client's) is left as it was. */
  build(given: IncomingHttpHeaders, call: UpstreamCall): OutgoingHttpHeaders {
    const named = namedByConnection(given.connection);
    const headers: OutgoingHttpHeaders = {};
    for (const name in given) {
      if (!this.passes(name) || named?.has(name)) continue;
      headers[name] = given[name];
    }
    // The upstream hop is the gateway's own pooled connection, whatever the client asked for its hop.
    headers.connection = 'keep-alive';
    headers.host = this.options.host;
    headers['x-litellm-customer-id'] = call.email;
    headers['x-litellm-end-user-id'] = call.email;
    headers['x-gateway-user-email'] = call.email;
    headers['x-request-id'] = call.requestId;
    if (call.tokenId) headers['x-gateway-token-id'] = call.tokenId;
    if (this.options.apiKey) {
      if (this.options.authHeader === 'x-api-key') headers['x-api-key'] = this.options.apiKey;
      else headers.authorization = `Bearer ${this.options.apiKey}`;
    }
    if (call.bodyLength !== undefined) {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(call.bodyLength);
    } else if (call.formContentType !== undefined) {
      // The re-encoded form's length is known only at its end: it goes chunked.
      delete headers['content-length'];
      delete headers['transfer-encoding'];
      headers['content-type'] = call.formContentType;
    }
    return headers;
  }

  private passes(name: string): boolean {
    const known = this.verdicts.get(name);
    if (known !== undefined) return known;
    const verdict = !HOP_BY_HOP.has(name) && !isIdentityHeader(name) && !isRoutingHeader(name);
    if (this.verdicts.size < MAX_REMEMBERED_NAMES) this.verdicts.set(name, verdict);
    return verdict;
  }
}

/** True when the client's Connection header asks to close its connection after this answer. */
export function wantsClose(connection: string | undefined): boolean {
  return connection !== undefined && /(^|,)\s*close\s*(,|$)/i.test(connection);
}

/**
 * The headers a Connection header names (hop-by-hop for this request): forwarded, they would let a
 * client have an intermediary in front of the upstream strip the identity headers.
 */
function namedByConnection(connection: string | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const lower = connection.toLowerCase();
  // The common values name nothing but the connection's own fate.
  if (lower === 'keep-alive' || lower === 'close') return undefined;
  const named = new Set<string>();
  for (const item of lower.split(',')) {
    const name = item.trim();
    if (name !== '' && !FRAMING.has(name)) named.add(name);
  }
  return named;
}
