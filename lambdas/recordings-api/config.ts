/**
 * Configuration of the recordings API Lambda, read and validated once per cold start from the
 * environment; a bad key fails the cold start naming the key, never its value (one is a secret). The
 * only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { apiTokenConfig, apiTokenEnv, bucketName as bucket, ConfigError, mediaPrefix, parseEnv, playbackBaseUrl, tableName, type ApiTokenConfig, type Env } from '../shared/config';

const envSchema = z.object({
  TABLE_NAME: tableName,
  MEDIA_BUCKET: bucket.optional(),
  STREAMPLANE_MEDIA_BUCKET: bucket.optional(),
  MEDIA_PREFIX: mediaPrefix.optional(),
  PLAYBACK_BASE_URL: playbackBaseUrl,
  /** Where MP4 export jobs go (consumed by the ingest service). Without it, export requests get 409. */
  MP4_EXPORT_QUEUE_URL: z.url({ protocol: /^https$/, error: 'must be an https SQS queue URL' }).optional(),
  ...apiTokenEnv,
});

export interface RecordingsApiConfig {
  tableName: string;
  mediaBucket: string;
  mediaPrefix?: string;
  playbackBaseUrl: string;
  mp4ExportQueueUrl?: string;
  apiToken: ApiTokenConfig;
}

export function loadRecordingsApiConfig(env: Env = process.env): RecordingsApiConfig {
  const c = parseEnv(envSchema, env);
  const mediaBucket = c.MEDIA_BUCKET ?? c.STREAMPLANE_MEDIA_BUCKET;
  if (!mediaBucket) throw ConfigError.forKey('MEDIA_BUCKET', 'is required');
  const apiToken = apiTokenConfig(c);
  return {
    tableName: c.TABLE_NAME,
    mediaBucket,
    ...(c.MEDIA_PREFIX ? { mediaPrefix: c.MEDIA_PREFIX } : {}),
    playbackBaseUrl: c.PLAYBACK_BASE_URL,
    ...(c.MP4_EXPORT_QUEUE_URL ? { mp4ExportQueueUrl: c.MP4_EXPORT_QUEUE_URL } : {}),
    apiToken,
  };
}
