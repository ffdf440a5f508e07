/**
 * Text for a value whose type is not known (a log field, a JSON property, something thrown), and
 * an Error for anything thrown. An object never prints as "[object Object]".
 */
import { inspect } from 'node:util';

/** Strings as they are; objects with a toString of their own (Error, Date, URL) through it; other objects and arrays as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (hasOwnToString(value)) return value.toString();
  if (typeof value !== 'object' || value === null) return String(value);
  return asJson(value);
}

/** What was thrown, as an Error: an Error as it is, anything else wrapped (kept as `cause`) with a message that describes it. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(describeValue(thrown), { cause: thrown });
}

/** An object with a toString other than Object's "[object Object]" (and not an array, whose toString joins its items that way). */
function hasOwnToString(value: unknown): value is { toString(): string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof value.toString === 'function' &&
    value.toString !== Object.prototype.toString
  );
}

function asJson(value: object): string {
  try {
    const json = JSON.stringify(value) as string | undefined;
    if (json !== undefined) return json;
  } catch {
    // Circular or holding a BigInt: inspect below prints it anyway.
  }
  return inspect(value, { breakLength: Infinity, depth: 4 });
}
