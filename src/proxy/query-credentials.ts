/**
 * Credentials in the query string: the gateway never reads its token there, and the upstream must not
 * find a key there either (Google-style `?key=`, `?api_key=`, `?access_token=`), so such parameters are
 * dropped from the forwarded target. Every other parameter passes byte for byte.
 */

/** Parameter names (lower case, "_" read as "-", percent-decoded) dropped from the forwarded query. */
const CREDENTIAL_PARAMS = new Set(['key', 'api-key', 'apikey', 'x-api-key', 'token', 'access-token', 'id-token', 'auth', 'authorization']);

export function isCredentialParam(rawName: string): boolean {
  return CREDENTIAL_PARAMS.has(decodedParamName(rawName).toLowerCase().replace(/_/g, '-'));
}

/** A query parameter's name as a server reads it: "+" as a space, percent-decoded, trimmed (case kept). */
export function decodedParamName(rawName: string): string {
  let name = rawName.replace(/\+/g, ' ');
  try {
    name = decodeURIComponent(name);
  } catch {
    // Not valid percent-encoding: compared as it is.
  }
  return name.trim();
}

/** The request target without credential-looking query parameters (unchanged when it has none). */
export function withoutCredentialParams(target: string): string {
  const queryAt = target.indexOf('?');
  if (queryAt === -1) return target;
  const params = target.slice(queryAt + 1).split('&');
  const kept = params.filter((param) => {
    const eq = param.indexOf('=');
    return !isCredentialParam(eq === -1 ? param : param.slice(0, eq));
  });
  if (kept.length === params.length) return target;
  const path = target.slice(0, queryAt);
  return kept.length === 0 ? path : `${path}?${kept.join('&')}`;
}
