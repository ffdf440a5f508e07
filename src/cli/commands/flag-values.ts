/** Reading and checking flag values that are not a REST query (those go through the API's DTOs). */
import { InvalidInputError } from '../../common/domain-errors.js';
import { canonicalEmail } from '../../common/email.js';
import { type Flags, str } from '../cli-command.js';

export function required(flags: Flags, name: string): string {
  const value = str(flags, name);
  if (value === undefined || value.trim() === '') throw new InvalidInputError(`--${name} is required`);
  return value;
}

/** --email, required, in its canonical spelling. */
export function email(flags: Flags, name = 'email'): string {
  const value = canonicalEmail(required(flags, name));
  if (value === null) throw new InvalidInputError(`--${name} must be a plain email address`);
  return value;
}

/** A positive number of days, or undefined when the flag is absent. */
export function days(flags: Flags, name: string): number | undefined {
  const value = str(flags, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidInputError(`--${name} must be a positive number`);
  return n;
}
