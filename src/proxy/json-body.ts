/**
 * A JSON request body on its way to the upstream: parsed once, checked (an object, nesting no deeper
 * than JSON_MAX_DEPTH, no upstream-steering field), stamped with the verified identity. A body that
 * carries no identity field of its own and is valid UTF-8 keeps its bytes: the identity is written
 * into it before its closing brace, which is what re-encoding the stamped object would say (the
 * upstream parses the same text the gateway checked). Any other body is re-encoded whole.
 */
import { isUtf8 } from 'node:buffer';
import { identityInsertion, stampBodyIdentity } from './identity.js';
import { BlockedFieldError, InvalidBodyError } from './request-body.js';
import type { SteeringFields } from './steering-fields.js';

export interface JsonBodyRules {
  readonly steering: SteeringFields;
  readonly maxDepth: number;
}

/** The body to forward, or throws InvalidBodyError / BlockedFieldError. */
export function restampJsonBody(raw: Buffer, email: string, path: string, rules: JsonBodyRules): Buffer {
  const body = parseJsonObject(raw.toString('utf8'), rules.maxDepth);
  const blocked = rules.steering.findIn(body);
  if (blocked !== null) throw new BlockedFieldError(blocked);
  const insertion = isUtf8(raw) ? identityInsertion(body, email, path) : undefined;
  if (insertion !== undefined) return insertedBeforeClosingBrace(raw, insertion, hasAnyKey(body));
  stampBodyIdentity(body, email, path);
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/**
 * `raw` (a JSON object's text) with `members` written in as its last members. The closing brace is the
 * last byte that is not JSON whitespace: the text has been parsed as one object.
 */
function insertedBeforeClosingBrace(raw: Buffer, members: string, hasMembers: boolean): Buffer {
  if (members.length === 0) return raw;
  let end = raw.length - 1;
  while (end > 0 && isJsonWhitespace(raw[end])) end--;
  const insertion = hasMembers ? `,${members}` : members;
  const size = Buffer.byteLength(insertion, 'utf8');
  const out = Buffer.allocUnsafe(raw.length + size);
  raw.copy(out, 0, 0, end);
  out.write(insertion, end, 'utf8');
  raw.copy(out, end + size, end);
  return out;
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function hasAnyKey(body: Record<string, unknown>): boolean {
  for (const _key in body) return true;
  return false;
}

/**
 * Parses text that must hold a JSON object no deeper than `maxDepth`. V8 parses deep nesting without
 * trouble, but JSON.stringify recurses and throws on it, so depth is checked before anything re-encodes.
 */
export function parseJsonObject(text: string, maxDepth: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidBodyError('Request body is not valid JSON', 'invalid_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidBodyError('Request body is not valid JSON', 'invalid_json');
  }
  if (nestsDeeperThan(value, maxDepth)) {
    throw new InvalidBodyError(`Request body nests arrays and objects deeper than ${maxDepth} levels`, 'json_too_deep');
  }
  return value as Record<string, unknown>;
}

/**
 * True when arrays and objects nest more than `max` levels (the top object is level 1). Visits each
 * container once and stops at the first one too deep, so its own recursion stays within `max` frames.
 */
export function nestsDeeperThan(value: object, max: number, depth = 1): boolean {
  if (depth > max) return true;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'object' && item !== null && nestsDeeperThan(item as object, max, depth + 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null && nestsDeeperThan(item, max, depth + 1)) return true;
  }
  return false;
}
