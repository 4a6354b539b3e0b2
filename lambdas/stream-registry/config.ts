/**
 * Configuration of the stream registry's two functions (the control API and its event consumer), read
 * from the environment once per cold start; the only module of these functions that reads `process.env`.
 */
import { z } from 'zod';
import { apiTokenConfig, apiTokenEnv, eventBusName, optionalBus, parseEnv, playbackBaseUrl, tableName, type ApiTokenConfig, type Env } from '../shared/config';

const registrySchema = z.object({
  TABLE_NAME: tableName,
  EVENT_BUS_NAME: eventBusName.optional(),
  RTMP_SERVER_URL: z
    .string()
    .regex(/^rtmps?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s/?#])?$/, 'must be rtmp[s]://HOST[:PORT]/APP without a trailing slash'),
  PLAYBACK_BASE_URL: playbackBaseUrl,
  DEFAULT_RECONNECT_WINDOW_SECONDS: z.coerce.number().int('must be whole seconds').min(0).max(1800).optional(),
  /** Where `POST /v1/streams/{id}/start` sends pull jobs; without it pulls answer 503. */
  PULL_JOB_QUEUE_URL: z.url({ protocol: /^https$/, error: 'must be an https SQS queue URL' }).optional(),
  ...apiTokenEnv,
});

export interface StreamRegistryConfig {
  tableName: string;
  eventBusName?: string;
  rtmpServerUrl: string;
  playbackBaseUrl: string;
  apiToken: ApiTokenConfig;
  defaultReconnectWindowSeconds?: number;
  pullJobQueueUrl?: string;
}

export function loadStreamRegistryConfig(env: Env = process.env): StreamRegistryConfig {
  const parsed = parseEnv(registrySchema, env);
  const apiToken = apiTokenConfig(parsed);
  return {
    tableName: parsed.TABLE_NAME,
    rtmpServerUrl: parsed.RTMP_SERVER_URL,
    playbackBaseUrl: parsed.PLAYBACK_BASE_URL,
    apiToken,
    ...(parsed.DEFAULT_RECONNECT_WINDOW_SECONDS !== undefined ? { defaultReconnectWindowSeconds: parsed.DEFAULT_RECONNECT_WINDOW_SECONDS } : {}),
    ...optionalBus(parsed.EVENT_BUS_NAME),
    ...(parsed.PULL_JOB_QUEUE_URL ? { pullJobQueueUrl: parsed.PULL_JOB_QUEUE_URL } : {}),
  };
}

export interface EventConsumerConfig {
  tableName: string;
}

export function loadEventConsumerConfig(env: Env = process.env): EventConsumerConfig {
  return { tableName: parseEnv(z.object({ TABLE_NAME: tableName }), env).TABLE_NAME };
}
