/**
 * Configuration parsing shared by every layer that reads settings (Lambda cold starts, the ingest
 * container, the local plane, the CDK context): one `ConfigError` and one zod-based `parseEnv`.
 * Pure: it is handed the environment record and never reads the process environment itself; an error names
 * the bad key but never its value (some values are secrets).
 */
import type { z } from 'zod';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';
  /** The first (or only) offending key. */
  readonly key: string;
  /** Every problem found, each naming its key. */
  readonly problems: ReadonlyArray<ConfigProblem>;

  constructor(message: string, options: { key: string; problems?: ReadonlyArray<ConfigProblem>; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.key = options.key;
    this.problems = options.problems ?? [{ key: options.key, message }];
  }

  /** `Invalid configuration: KEY problem.`, the form every Lambda's cold start reports. */
  static forKey(key: string, problem: string, options?: { cause?: unknown }): ConfigError {
    return new ConfigError(`Invalid configuration: ${key} ${problem}.`, { key, problems: [{ key, message: problem }], ...options });
  }
}

/**
 * Parses `env` against `schema`. Empty strings count as unset (CDK and shells often export KEY= for
 * "none"). The first problem becomes a ConfigError naming its key.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue ? String(issue.path[0] ?? 'environment') : 'environment';
  const problem = issue?.code === 'invalid_type' ? 'is required' : (issue?.message ?? 'is invalid');
  // No cause: the zod error is not needed to fix the key, and logged causes must never carry a value.
  throw ConfigError.forKey(key, problem);
}

/**
 * Like `parseEnv`, but reports every problem in one message (`Invalid configuration: KEY: msg; …`):
 * for a person starting the plane by hand, who should fix all of them in one go.
 */
export function parseEnvAll<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  const result = schema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({ key: i.path.join('.') || 'environment', message: i.message }));
  throw new ConfigError(`Invalid configuration: ${problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`, {
    key: problems[0]?.key ?? 'environment',
    problems,
  });
}

function withoutEmpty(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}
