/**
 * Canonical email: the one spelling of a person's address used as their identity everywhere
 * (keys, tokens, headers). Trimmed, NFKC-normalised, lower-cased, and plain: one @, no control
 * characters, no braces (they would break the Redis hash tag), no spaces or quotes.
 */
const PLAIN_EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`|~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/u;
const MAX_EMAIL_LENGTH = 254;

/** Returns the canonical form, or null when the input is not a plain email address. */
export function canonicalEmail(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const email = input.trim().normalize('NFKC').toLowerCase();
  return isCanonicalEmail(email) ? email : null;
}

/** True when the value is already a canonical plain email (as stored in keys and tokens). */
export function isCanonicalEmail(value: string): boolean {
  if (value.length === 0 || value.length > MAX_EMAIL_LENGTH) return false;
  const local = value.slice(0, value.indexOf('@'));
  if (local.length === 0 || local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return false;
  }
  return PLAIN_EMAIL.test(value);
}

/** The domain part of a canonical email. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}
