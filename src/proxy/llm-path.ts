/**
 * Which request targets may reach the upstream. Only plain paths under an allowed LLM API prefix
 * pass; anything that could be read differently by another HTTP stack is refused.
 */

/** Returns the path (without query) when the target may be forwarded, or null. */
export function allowedLlmPath(rawUrl: string, allowedPrefixes: readonly string[]): string | null {
  // Origin-form only: absolute-form ("http://host/..."), asterisk-form and authority-form are refused.
  if (!rawUrl.startsWith('/v1/')) return null;
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  // Only unreserved characters and sub-delims in the path; no percent-encoding at all, so encoded
  // slashes, dots and backslashes cannot sneak in; no empty, "." or ".." segments. No ";" either:
  // servers that read path parameters (Tomcat, Jetty, some proxies) take "..;" for "..".
  if (!/^(\/[A-Za-z0-9_.~:@!$&'()*+,=-]+)+$/.test(path)) return null;
  const segments = path.split('/');
  if (segments.some((s) => s === '.' || s === '..')) return null;
  if (queryAt !== -1 && /[\p{Cc} ]/u.test(rawUrl.slice(queryAt))) return null;
  for (const prefix of allowedPrefixes) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return path;
  }
  return null;
}
