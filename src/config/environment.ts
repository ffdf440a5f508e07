import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'dotenv';

/**
 * The process environment, with a `.env` file in the working directory filling in what the
 * environment does not set (the environment always wins). The only reader of process.env.
 */
export function readEnvironment(cwd: string = process.cwd()): Record<string, string | undefined> {
  const file = `${cwd}/.env`;
  const fromFile = existsSync(file) ? parse(readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}
