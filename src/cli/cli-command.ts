/**
 * What an ops CLI command is: its name and flags (for parsing and --help), what it runs over the
 * application context, how a terminal shows its result, and the audit action of one that changes state.
 */
import { hostname, userInfo } from 'node:os';
import type { INestApplicationContext } from '@nestjs/common';

export type Flags = Readonly<Record<string, string | boolean | undefined>>;

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** Shown in usage lines, e.g. EMAIL. */
  readonly value?: string;
  readonly required?: boolean;
}

/** A table column: its header and the field of a row it shows. */
export type Column = readonly [header: string, field: string];

export interface CliCommand {
  /** One or two words: "ban", "token create". */
  readonly name: string;
  readonly summary: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Commands that change state are recorded in the audit trail with this action (as the REST API records it). */
  readonly audit?: { readonly action: string; target(flags: Flags, app: INestApplicationContext): string | undefined };
  /** Tables of the result's lists on a terminal: list field -> columns (other fields print as `key: value`). */
  readonly tables?: Readonly<Record<string, readonly Column[]>>;
  run(app: INestApplicationContext, flags: Flags): Promise<object>;
}

/** The actor the audit trail, tombstones and bans name for CLI actions: the operator's account on this host. */
export const CLI_ACTOR = `cli:${safeUserName()}@${hostname()}`.toLowerCase();

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** A string flag's value; undefined when absent. */
export function str(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** The query object a REST list would get from these flags (absent flags left out). */
export function pick(flags: Flags, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = str(flags, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Paging and search flags shared by the list commands (the REST lists' query). */
export const LIST_FLAGS: Readonly<Record<string, FlagSpec>> = {
  q: {
    type: 'string',
    value: 'TEXT',
    description:
      'only items matching TEXT, literally: emails (or token names) starting with it on users, sessions and tokens; containing it on bans and audit',
  },
  limit: { type: 'string', value: 'N', description: 'items per page, 1 to 500 (default 50)' },
  cursor: { type: 'string', value: 'CURSOR', description: 'the next_cursor of the previous page' },
};
