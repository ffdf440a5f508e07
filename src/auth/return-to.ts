/**
 * Where the browser goes after login: only ever a path on the gateway itself, with its query and
 * fragment (a page's tab; a fragment cannot leave the origin). Anything that could
 * leave the origin (absolute URLs, `//host`, also after dot segments collapse, backslashes, encoded
 * slashes, control characters, schemes) and the login routes themselves (a loop; in any case or
 * percent-encoding) become `/`.
 */
const BASE = 'http://gateway.invalid';
const MAX_LENGTH = 2048;

export function safeReturnTo(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_LENGTH) return '/';
  if (!input.startsWith('/') || input.startsWith('//')) return '/';
  // Backslashes, whitespace and control characters: browsers "fix" these into other hosts.
  if (/[\\\s]/.test(input) || hasControlCharacter(input)) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(input);
  } catch {
    return '/';
  }
  if (decoded.startsWith('//') || decoded.includes('\\') || hasControlCharacter(decoded) || /%2f|%5c/i.test(decoded)) return '/';
  let url: URL;
  try {
    url = new URL(input, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  const path = url.pathname;
  // URL parsing collapses dot segments: "/..//evil.example" becomes "//evil.example", which a
  // browser reads as another host. Judge the normalised path, not only the input.
  if (path.startsWith('//') || path.includes('\\')) return '/';
  // The login routes in any spelling: routing is case-sensitive, but this guard need not rely on it.
  if (isLoginRoute(path)) return '/';
  return `${path}${url.search}${url.hash}`;
}

function isLoginRoute(path: string): boolean {
  let routed: string;
  try {
    routed = decodeURIComponent(path).toLowerCase();
  } catch {
    return true;
  }
  return routed === '/auth' || routed.startsWith('/auth/');
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
