/**
 * What is left of an upstream's failure for the gateway's log: a bounded excerpt of its body
 * with credentials redacted. A LiteLLM 500 can carry a Python traceback with the process
 * environment (master key, database URL) and request headers; the client never sees it, and
 * the log keeps the story without the secrets.
 */

/** Most bytes of a failed upstream answer kept for the log. */
export const UPSTREAM_ERROR_LOG_BYTES = 4096;

const REDACTED = '[REDACTED]';
/** Names whose value is a secret: FOO_API_KEY, SECRET, PASSWORD, access_token, DATABASE_URL, DSN... */
const SECRET_NAME = String.raw`[A-Za-z0-9_]{0,64}(?:key|secret|passw(?:or)?d|pwd|token|credentials?|database_url|dsn|conn(?:ection)?_?str(?:ing)?)[A-Za-z0-9_]{0,64}`;
const VALUE = String.raw`(?:"[^"\r\n]{0,4096}"|'[^'\r\n]{0,4096}'|[^\s"',;&)}\]]{1,4096})`;

/**
 * Applied in order, compiled once. Each replaces the secret part only, so the excerpt still
 * says which setting or header was involved.
 */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // Header lines: "Authorization: Bearer ...", "x-api-key: ...", "Cookie: ...".
  [
    /\b((?:proxy-)?authorization|x-api-key|api-key|x-goog-api-key|(?:set-)?cookie)(["']?\s*:\s*["']?)[^\r\n"',}]{1,4096}/gi,
    `$1$2${REDACTED}`,
  ],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{1,4096}/gi, `$1 ${REDACTED}`],
  // Assignments: LITELLM_MASTER_KEY=..., password=..., api_key='...'.
  [new RegExp(String.raw`\b(${SECRET_NAME})(\s*=\s*)${VALUE}`, 'gi'), `$1$2${REDACTED}`],
  // Quoted keys, as in JSON or a Python dict: "api_key": "...", 'aws_secret_access_key': '...'.
  [new RegExp(String.raw`(["'])(${SECRET_NAME})\1(\s*:\s*)${VALUE}`, 'gi'), `$1$2$1$3"${REDACTED}"`],
  // Credentials in URLs: postgresql://user:password@host, https://token@host.
  [/\b([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/@'"]{1,512}@/gi, `$1${REDACTED}@`],
  // Provider keys wherever they stand: sk-..., sk-ant-..., AWS access key ids.
  [/\bsk-[A-Za-z0-9_-]{6,}/g, `sk-${REDACTED}`],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED],
];

/** JSON string escapes, undone so the rules see `"api_key": "..."` inside a JSON-encoded message too. */
const ESCAPED_QUOTE = /\\(["'\\/])/g;
const ESCAPED_NEWLINE = /\\[nr]/g;

export function redactSecrets(text: string): string {
  let out = text.replace(ESCAPED_NEWLINE, '\n').replace(ESCAPED_QUOTE, '$1');
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * The log's view of a failed answer's body: at most UPSTREAM_ERROR_LOG_BYTES, redacted, on one
 * line (JSON-quoted). A cut body loses its last partial word, which could be the start of a
 * secret that no rule recognises once cut.
 */
export function upstreamErrorExcerpt(body: Buffer, truncated: boolean): string {
  let text = body.subarray(0, UPSTREAM_ERROR_LOG_BYTES).toString('utf8');
  if (truncated || body.length > UPSTREAM_ERROR_LOG_BYTES) {
    const lastSpace = Math.max(text.lastIndexOf(' '), text.lastIndexOf('\n'));
    text = `${lastSpace > 0 ? text.slice(0, lastSpace) : ''} [truncated]`;
  }
  return JSON.stringify(redactSecrets(text));
}
