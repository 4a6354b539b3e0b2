/**
 * Pieces every Lambda's `config.ts` builds its environment schema from (table, bus, bucket, URLs, the
 * API token source) and the one ConfigError/parseEnv (core/config/env.ts). Each function's own
 * `config.ts` is the only module of that function that reads `process.env`; this module never does.
 * A bad or missing key fails the cold start with an error naming the key (never its value).
 */
import { z } from 'zod';
import { ConfigError, parseEnv, type Env } from '../../core/config/env';

export { ConfigError, parseEnv, type Env };

export const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name');
export const eventBusName = z.string().regex(/^[A-Za-z0-9._\-/:]{1,1600}$/, 'must be an EventBridge bus name or ARN');
export const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');
export const mediaPrefix = z.string().regex(/^([A-Za-z0-9_-]+\/)+$/, 'must be a folder such as "media/"');
export const playbackBaseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((v) => v.replace(/\/+$/, ''));

/** The API token: given directly (API_TOKEN) or read from Secrets Manager through the Lambda extension. */
export const apiTokenEnv = {
  API_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  API_TOKEN_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN').optional(),
  // Set by Lambda; needed to read the secret through the Parameters and Secrets extension.
  AWS_SESSION_TOKEN: z.string().optional(),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').optional(),
};

export type ApiTokenConfig = { value: string } | { secretArn: string; sessionToken?: string; extensionPort: number };

export function apiTokenConfig(parsed: {
  API_TOKEN?: string | undefined;
  API_TOKEN_SECRET_ARN?: string | undefined;
  AWS_SESSION_TOKEN?: string | undefined;
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT?: string | undefined;
}): ApiTokenConfig {
  if ((parsed.API_TOKEN === undefined) === (parsed.API_TOKEN_SECRET_ARN === undefined)) {
    throw ConfigError.forKey('API_TOKEN / API_TOKEN_SECRET_ARN', 'exactly one must be set');
  }
  if (parsed.API_TOKEN !== undefined) return { value: parsed.API_TOKEN };
  return {
    secretArn: parsed.API_TOKEN_SECRET_ARN as string,
    ...(parsed.AWS_SESSION_TOKEN ? { sessionToken: parsed.AWS_SESSION_TOKEN } : {}),
    extensionPort: Number(parsed.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
  };
}

/** `{ eventBusName }` when one is configured, else nothing (events then go to the event log). */
export function optionalBus(eventBusName: string | undefined): { eventBusName?: string } {
  return eventBusName ? { eventBusName } : {};
}

/** Runs a value parser of core (CIDR lists, retry schedules); its error becomes a ConfigError naming `key`. */
export function parseOr<T>(key: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw ConfigError.forKey(key, err instanceof Error ? err.message.replace(/\.$/, '') : 'is invalid', { cause: err });
  }
}
