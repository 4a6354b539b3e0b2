/**
 * Configuration of the playback API Lambda, read from the environment once per cold start and
 * validated; a bad value fails the cold start naming the key. The only module of this function that
 * reads `process.env`.
 */
import { z } from 'zod';
import { apiTokenConfig, apiTokenEnv, parseEnv, tableName, type ApiTokenConfig, type Env } from '../shared/config';

export interface PlaybackApiConfig {
  tableName: string;
  /** ARN of the CloudFront KeyValueStore the edge function reads keys and revocations from. */
  edgeKeyValueStoreArn: string;
  apiToken: ApiTokenConfig;
}

const schema = z.object({
  TABLE_NAME: tableName,
  PLAYBACK_KVS_ARN: z.string().regex(/^arn:aws[a-z-]*:cloudfront::\d{12}:key-value-store\/[A-Za-z0-9-]+$/, 'must be a CloudFront KeyValueStore ARN'),
  ...apiTokenEnv,
});

export function loadPlaybackApiConfig(env: Env = process.env): PlaybackApiConfig {
  const parsed = parseEnv(schema, env);
  return { tableName: parsed.TABLE_NAME, edgeKeyValueStoreArn: parsed.PLAYBACK_KVS_ARN, apiToken: apiTokenConfig(parsed) };
}
