/**
 * What never reaches a log line, whatever logs it: credentials in fields (pino `redact` paths, by
 * name) and in free text (the sanitiser, by shape and by value). The sanitiser runs on the message
 * and on every string field of a line, so a path, a Redis error or an upstream body is cleaned too.
 */

const CENSOR = '[redacted]';

/**
 * Field names (at the top, or under headers, req.headers, res.headers) whose value is replaced whole.
 * No wildcard paths: with them pino's redaction costs several times a whole line (measured).
 */
const SECRET_FIELDS = [
  'authorization',
  '"proxy-authorization"',
  '"x-api-key"',
  'cookie',
  '"set-cookie"',
  'token',
  'api_key',
  'apiKey',
  'password',
  'secret',
];

export const REDACT_PATHS: readonly string[] = SECRET_FIELDS.flatMap((name) => {
  const key = name.startsWith('"') ? `[${name}]` : `.${name}`;
  return [name, `headers${key}`, `req.headers${key}`, `res.headers${key}`];
});

export const REDACTION_CENSOR = CENSOR;

/** Shapes of credentials in text: JWTs (a base64url JSON header, "eyJ"), bearer values, key-looking params, session cookies. */
const TEXT_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/eyJ[A-Za-z0-9_\-.%]+/g, CENSOR],
  [/\b(Bearer|Basic)(\s+|%20|\+)[^\s"'&,;]+/gi, `$1 ${CENSOR}`],
  [
    /([?&;](?:key|api[_-]?key|apikey|x[_-]api[_-]key|token|access[_-]?token|id[_-]?token|refresh[_-]?token|auth|authorization|code|password|secret)=)[^&\s"'#]*/gi,
    `$1${CENSOR}`,
  ],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, CENSOR],
];

/** A cheap first look: text with none of these cannot match a pattern above. */
const MAYBE_SECRET = /eyJ|bearer|basic|=|sk-/i;

export class LogSanitiser {
  private readonly values: string[];

  /** @param secrets the configured secrets' values (upstream key, JWT and session secrets ...); short or empty ones are ignored */
  constructor(secrets: ReadonlyArray<string | undefined>) {
    this.values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6))].sort(
      (a, b) => b.length - a.length,
    );
  }

  text(input: string): string {
    let out = input;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(CENSOR);
    if (!MAYBE_SECRET.test(out)) return out;
    for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  /** A line's fields with every string cleaned (two levels deep: fields and their objects' fields). */
  fields(object: Record<string, unknown>, depth = 0): Record<string, unknown> {
    let copy: Record<string, unknown> | undefined;
    for (const key in object) {
      const value = object[key];
      let cleaned: unknown = value;
      if (typeof value === 'string') cleaned = this.text(value);
      else if (depth < 1 && value !== null && typeof value === 'object' && !Array.isArray(value))
        cleaned = this.fields(value as Record<string, unknown>, depth + 1);
      if (cleaned !== value) {
        copy ??= { ...object };
        copy[key] = cleaned;
      }
    }
    return copy ?? object;
  }
}
