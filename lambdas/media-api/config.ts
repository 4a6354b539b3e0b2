/**
 * Configuration of the media library API Lambda, read and validated once per cold start from the
 * environment; a bad key fails the cold start naming the key, never its value. The only module of this
 * function that reads `process.env`.
 */
import { z } from 'zod';
import { apiTokenConfig, apiTokenEnv, bucketName, mediaPrefix, parseEnv, tableName, type ApiTokenConfig, type Env } from '../shared/config';

const envSchema = z.object({
  TABLE_NAME: tableName,
  MEDIA_BUCKET: bucketName,
  MEDIA_PREFIX: mediaPrefix.optional(),
  ...apiTokenEnv,
});

export interface MediaApiConfig {
  tableName: string;
  mediaBucket: string;
  mediaPrefix?: string;
  apiToken: ApiTokenConfig;
}

export function loadMediaApiConfig(env: Env = process.env): MediaApiConfig {
  const c = parseEnv(envSchema, env);
  return { tableName: c.TABLE_NAME, mediaBucket: c.MEDIA_BUCKET, ...(c.MEDIA_PREFIX ? { mediaPrefix: c.MEDIA_PREFIX } : {}), apiToken: apiTokenConfig(c) };
}
