/**
 * Loads the configuration once from the environment: every variable of CONFIG_SCHEMA, then the
 * rules across variables. Collects every problem before failing; each names the variable and the
 * rule, never the value (it may be a secret).
 */
import { type AppConfig, CROSS_RULES, readSchema } from './config-schema.js';
import { RawEnv } from './env-fields.js';

export { DEFAULT_ALLOWED_PATHS } from './config-schema.js';
export { EXAMPLE_SECRETS } from './env-fields.js';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  const raw = new RawEnv(env);
  const problems: string[] = [];
  const config = readSchema(raw, problems);
  for (const rule of CROSS_RULES) {
    const problem = rule(config, raw);
    if (problem !== null) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/**
 * Whether the environment sets a variable, read as the schema reads it (a blank value is not set):
 * for a caller whose own default differs from the schema's (the CLI logs `pretty` on a terminal).
 */
export function isSet(env: Readonly<Record<string, string | undefined>>, name: string): boolean {
  return new RawEnv(env).get(name) !== undefined;
}
