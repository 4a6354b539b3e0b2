/**
 * Lambda configuration: the environment, read and validated once per cold start. The only module that
 * reads `process.env`. A bad or missing key fails the cold start with an error naming the key (never
 * its value: some are secrets).
 */
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config';
  readonly key: string;
  constructor(key: string, problem: string) {
    super(`Invalid configuration: ${key} ${problem}.`);
    this.key = key;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name');
const eventBusName = z.string().regex(/^[A-Za-z0-9._\-/:]{1,1600}$/, 'must be an EventBridge bus name or ARN').optional();
const rtmpServerUrl = z
  .string()
  .regex(/^rtmps?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s/?#])?$/, 'must be rtmp[s]://HOST[:PORT]/APP without a trailing slash');
const playbackBaseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((v) => v.replace(/\/+$/, ''));

const sharedSchema = z.object({
  TABLE_NAME: tableName,
  EVENT_BUS_NAME: eventBusName,
});

const registrySchema = sharedSchema.extend({
  RTMP_SERVER_URL: rtmpServerUrl,
  PLAYBACK_BASE_URL: playbackBaseUrl,
  API_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  DEFAULT_RECONNECT_WINDOW_SECONDS: z.coerce.number().int('must be whole seconds').min(0).max(1800).optional(),
  API_TOKEN_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN').optional(),
  // Set by Lambda; needed to read the secret through the Parameters and Secrets extension.
  AWS_SESSION_TOKEN: z.string().optional(),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').optional(),
});

export interface SharedConfig {
  tableName: string;
  eventBusName?: string;
}

export interface StreamRegistryConfig extends SharedConfig {
  rtmpServerUrl: string;
  playbackBaseUrl: string;
  apiToken: { value: string } | { secretArn: string; sessionToken?: string; extensionPort: number };
  defaultReconnectWindowSeconds?: number;
}

export function loadPublishAuthConfig(env: Env = process.env): SharedConfig {
  const parsed = parseEnv(sharedSchema, env);
  return withBus({ tableName: parsed.TABLE_NAME }, parsed.EVENT_BUS_NAME);
}

export function loadStreamRegistryConfig(env: Env = process.env): StreamRegistryConfig {
  const parsed = parseEnv(registrySchema, env);
  if ((parsed.API_TOKEN === undefined) === (parsed.API_TOKEN_SECRET_ARN === undefined)) {
    throw new ConfigError('API_TOKEN / API_TOKEN_SECRET_ARN', 'exactly one must be set');
  }
  const apiToken: StreamRegistryConfig['apiToken'] =
    parsed.API_TOKEN !== undefined
      ? { value: parsed.API_TOKEN }
      : {
          secretArn: parsed.API_TOKEN_SECRET_ARN as string,
          ...(parsed.AWS_SESSION_TOKEN ? { sessionToken: parsed.AWS_SESSION_TOKEN } : {}),
          extensionPort: Number(parsed.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
        };
  return withBus(
    {
      tableName: parsed.TABLE_NAME,
      rtmpServerUrl: parsed.RTMP_SERVER_URL,
      playbackBaseUrl: parsed.PLAYBACK_BASE_URL,
      apiToken,
      ...(parsed.DEFAULT_RECONNECT_WINDOW_SECONDS !== undefined ? { defaultReconnectWindowSeconds: parsed.DEFAULT_RECONNECT_WINDOW_SECONDS } : {}),
    },
    parsed.EVENT_BUS_NAME,
  );
}

function withBus<T extends object>(config: T, eventBusName: string | undefined): T & { eventBusName?: string } {
  return eventBusName ? { ...config, eventBusName } : config;
}

/** Parses the environment against `schema`; the first problem becomes a ConfigError naming its key. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env): z.infer<S> {
  // Empty strings count as unset: CDK and shells often export KEY= for "none".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue ? String(issue.path[0] ?? 'environment') : 'environment';
  const problem = issue?.code === 'invalid_type' ? 'is required' : (issue?.message ?? 'is invalid');
  throw new ConfigError(key, problem);
}
