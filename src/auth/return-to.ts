/**
 * Where the browser goes after login: only ever a path on the gateway itself. Anything that could
 * leave the origin (absolute URLs, `//host`, backslashes, encoded slashes, control characters,
 * schemes) and the login routes themselves (a loop) become `/`.
 */
const BASE = 'http://gateway.invalid';
const MAX_LENGTH = 2048;

export function safeReturnTo(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_LENGTH) return '/';
  if (!input.startsWith('/') || input.startsWith('//')) return '/';
  // Backslashes, whitespace and control characters: browsers "fix" these into other hosts.
  if (/[\\\s\u0000-\u001f\u007f]/.test(input)) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(input);
  } catch {
    return '/';
  }
  if (decoded.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(decoded) || /%2f|%5c/i.test(decoded)) return '/';
  let url: URL;
  try {
    url = new URL(input, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  const path = url.pathname;
  if (path === '/auth' || path.startsWith('/auth/')) return '/';
  return `${path}${url.search}`;
}
