/**
 * The kinds of environment variable the configuration schema (config-schema.ts) is built from.
 * Each field reads one variable, applies its default, and on a bad value records a problem that
 * names the variable and the rule, never the value (it may be a secret).
 */
import { CronTime } from 'cron';
import { canonicalEmail, isCanonicalEmail } from '../common/email.js';

/** The environment with values trimmed; an empty value counts as unset. */
export class RawEnv {
  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  get(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** An integer for use in another variable's default; no problem recorded (its own field checks it). */
  peekInt(name: string, fallback: number): number {
    const value = Number(this.get(name));
    return Number.isInteger(value) ? value : fallback;
  }
}

/** A `host:port` of REDIS_SENTINELS or REDIS_CLUSTER_NODES. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

export interface Field<T> {
  /** The variable it reads; undefined for a value derived from others. */
  readonly variable: string | undefined;
  read(env: RawEnv, problems: string[]): T;
}

type Default<T> = T | ((env: RawEnv) => T);

function field<T>(variable: string | undefined, read: (value: string | undefined, env: RawEnv, problems: string[]) => T): Field<T> {
  return { variable, read: (env, problems) => read(variable === undefined ? undefined : env.get(variable), env, problems) };
}

function resolve<T>(fallback: Default<T>, env: RawEnv): T {
  return typeof fallback === 'function' ? (fallback as (env: RawEnv) => T)(env) : fallback;
}

function hasScheme(value: string, schemes: readonly string[]): boolean {
  try {
    return schemes.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  return hasScheme(value, ['http:', 'https:']);
}

/** Splits a comma list, trimming and dropping empty items. */
function list(value: string, normalise: (item: string) => string = (i) => i): string[] {
  return value
    .split(',')
    .map((item) => normalise(item.trim()))
    .filter(Boolean);
}

/** The placeholder secrets shipped in .env.example; the gateway refuses to run with them. */
export const EXAMPLE_SECRETS: readonly string[] = [
  'change-me-to-a-random-string-of-at-least-32-bytes',
  'change-me-to-another-random-string-of-32-bytes',
];

/** Response headers no configuration may pass to clients: cookies, anything key- or secret-like, hop-by-hop. */
const UNPASSABLE_RESPONSE_HEADER =
  /cookie|key|secret|passw|token(?!s)|credential|auth|^(connection|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade)$/;

export const env = {
  /** A value computed from other variables. */
  derived<T>(compute: (env: RawEnv) => T): Field<T> {
    return field(undefined, (_value, raw) => compute(raw));
  },

  str(name: string, fallback: Default<string>): Field<string> {
    return field(name, (value, raw) => value ?? resolve(fallback, raw));
  },

  optional(name: string): Field<string | undefined> {
    return field(name, (value) => value);
  },

  int(name: string, fallback: number, min: number, max: number): Field<number> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return fallback;
      if (!/^-?\d+$/.test(value)) {
        problems.push(`${name} must be an integer`);
        return fallback;
      }
      const n = Number(value);
      if (n < min || n > max) {
        problems.push(`${name} must be between ${min} and ${max}`);
        return fallback;
      }
      return n;
    });
  },

  bool(name: string, fallback: boolean): Field<boolean> {
    return field(name, (value, _raw, problems) => {
      const v = value?.toLowerCase();
      if (v === undefined) return fallback;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      problems.push(`${name} must be true or false`);
      return fallback;
    });
  },

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): Field<T> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return fallback;
      if ((allowed as readonly string[]).includes(value)) return value as T;
      problems.push(`${name} must be one of: ${allowed.join(', ')}`);
      return fallback;
    });
  },

  /** An http(s) URL; trailing slashes dropped when `trimSlash`. */
  url(name: string, fallback: Default<string>, trimSlash = false): Field<string> {
    return field(name, (value, raw, problems) => {
      const url = value ?? resolve(fallback, raw);
      if (!isHttpUrl(url)) problems.push(`${name} must be an http(s) URL`);
      return trimSlash ? url.replace(/\/+$/, '') : url;
    });
  },

  /** An optional http(s) URL; its value never appears in a message (webhook URLs hold secrets). */
  optionalUrl(name: string): Field<string | undefined> {
    return field(name, (value, _raw, problems) => {
      if (value !== undefined && !isHttpUrl(value)) problems.push(`${name} must be an http(s) URL`);
      return value;
    });
  },

  /** A comma-separated `host:port` list (REDIS_CLUSTER_NODES, REDIS_SENTINELS); undefined when not set. */
  nodeList(name: string): Field<readonly RedisNodeAddress[] | undefined> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return undefined;
      const nodes: RedisNodeAddress[] = [];
      for (const item of list(value)) {
        const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
        const port = match ? Number(match[2]) : 0;
        if (!match || port < 1 || port > 65535) {
          problems.push(`${name} must be a comma-separated list of host:port`);
          return [];
        }
        nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
      }
      if (nodes.length === 0) problems.push(`${name} must be a comma-separated list of host:port`);
      return nodes;
    });
  },

  /** A name of letters, digits and _ . - (a Sentinel master name); undefined when not set. */
  plainName(name: string): Field<string | undefined> {
    return field(name, (value, _raw, problems) => {
      if (value !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(value))
        problems.push(`${name} may only hold letters, digits and _ . - (at most 64)`);
      return value;
    });
  },

  redisUrl(name: string, fallback: string): Field<string> {
    return field(name, (value, _raw, problems) => {
      const url = value ?? fallback;
      if (!hasScheme(url, ['redis:', 'rediss:'])) problems.push(`${name} must be a redis:// or rediss:// URL`);
      return url;
    });
  },

  keyPrefix(name: string, fallback: string): Field<string> {
    return field(name, (value, _raw, problems) => {
      const prefix = value ?? fallback;
      if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) problems.push(`${name} may only hold letters, digits and _ . : - (at most 64)`);
      return prefix;
    });
  },

  /** A secret: present when `required` says so, at least 32 bytes, and not the .env.example placeholder. */
  secret(name: string, required: (env: RawEnv) => boolean): Field<string> {
    return field(name, (value, raw, problems) => {
      if (value === undefined) {
        if (required(raw)) problems.push(`${name} is required (at least 32 bytes of random data)`);
        return '';
      }
      if (Buffer.byteLength(value, 'utf8') < 32) problems.push(`${name} must be at least 32 bytes long`);
      if (EXAMPLE_SECRETS.includes(value)) problems.push(`${name} still holds the placeholder from .env.example`);
      return value;
    });
  },

  /** An optional secret of at least `minLength` characters. */
  secretOfAtLeast(name: string, minLength: number): Field<string | undefined> {
    return field(name, (value, _raw, problems) => {
      if (value !== undefined && value.length < minLength) problems.push(`${name} must be at least ${minLength} characters`);
      return value;
    });
  },

  /** An optional cron expression: 5 fields, or 6 with seconds first. */
  cron(name: string): Field<string | undefined> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return undefined;
      const fields = value.split(/\s+/).length;
      if ((fields !== 5 && fields !== 6) || !CronTime.validateCronExpression(value).valid) {
        problems.push(`${name} must be a cron expression of 5 fields (minute hour day month weekday), or 6 with seconds first`);
      }
      return value;
    });
  },

  /** A size such as 512kb or 10mb, in bytes. */
  bytes(name: string, fallback: string): Field<number> {
    return field(name, (value, _raw, problems) => {
      const match = /^(\d+)\s*(b|kb|mb|gb)?$/.exec((value ?? fallback).toLowerCase());
      if (!match) {
        problems.push(`${name} must be a size such as 512kb or 10mb`);
        return 10 * 1024 * 1024;
      }
      const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? 'b') as 'b' | 'kb' | 'mb' | 'gb'];
      return Number(match[1]) * unit;
    });
  },

  /** Express's trust proxy: false, true, a hop count, or a list of addresses/subnets. */
  trustProxy(name: string): Field<boolean | number | string> {
    return field(name, (value) => {
      if (value === undefined || value === 'false') return false;
      if (value === 'true') return true;
      if (/^\d+$/.test(value)) return Number(value);
      return value;
    });
  },

  /** Plain paths under /v1. */
  pathList(name: string, fallback: readonly string[]): Field<readonly string[]> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return fallback;
      const items = list(value);
      if (items.some((item) => !/^\/v1(\/[A-Za-z0-9_.-]+)+$/.test(item) || item.includes('..'))) {
        problems.push(`${name} entries must be plain paths under /v1, such as /v1/chat/completions`);
      }
      return items;
    });
  },

  /** JSON field names (letters, digits, _ . -). */
  fieldList(name: string): Field<readonly string[]> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return [];
      const items = list(value);
      if (items.some((item) => !/^[A-Za-z0-9_.-]{1,128}$/.test(item)))
        problems.push(`${name} entries must be field names of letters, digits and _ . - (at most 128)`);
      return items;
    });
  },

  /**
   * Extra upstream response headers for clients. Names that carry credentials or cookies, or that
   * describe the gateway's own connection, are refused: no setting can hand them to clients.
   */
  responseHeaderList(name: string): Field<readonly string[]> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return [];
      const items = list(value, (h) => h.toLowerCase());
      for (const item of items) {
        if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(item)) {
          problems.push(`${name} entries must be header names`);
          break;
        }
        if (UNPASSABLE_RESPONSE_HEADER.test(item)) {
          problems.push(`${name} may not name cookie, credential or hop-by-hop headers`);
          break;
        }
      }
      return items;
    });
  },

  emailList(name: string): Field<readonly string[]> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return [];
      const out: string[] = [];
      for (const item of list(value)) {
        const email = canonicalEmail(item);
        if (email === null) problems.push(`${name} holds an entry that is not a plain email address`);
        else out.push(email);
      }
      return out;
    });
  },

  optionalEmail(name: string): Field<string | undefined> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return undefined;
      const email = canonicalEmail(value);
      if (email === null || !isCanonicalEmail(email)) {
        problems.push(`${name} must be a plain email address`);
        return undefined;
      }
      return email;
    });
  },

  domainList(name: string): Field<readonly string[]> {
    return field(name, (value, _raw, problems) => {
      if (value === undefined) return [];
      const items = list(value, (d) => d.toLowerCase());
      if (items.some((item) => !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(item))) problems.push(`${name} entries must be plain domain names`);
      return items;
    });
  },
};
