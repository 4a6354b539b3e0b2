/**
 * Configuration of the recording finalizer Lambda, read once per cold start; errors name the variable,
 * never its value. The only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { bucketName, ConfigError, eventBusName, mediaPrefix, optionalBus, parseEnv, playbackBaseUrl, tableName, type Env } from '../shared/config';

const envSchema = z.object({
  TABLE_NAME: tableName,
  // The CDK stack currently names it STREAMPLANE_MEDIA_BUCKET; both are accepted, MEDIA_BUCKET wins.
  MEDIA_BUCKET: bucketName.optional(),
  STREAMPLANE_MEDIA_BUCKET: bucketName.optional(),
  MEDIA_PREFIX: mediaPrefix.optional(),
  PLAYBACK_BASE_URL: playbackBaseUrl,
  EVENT_BUS_NAME: eventBusName.optional(),
  /** The queue's maxReceiveCount: on the last receive a failing recording is marked failed. */
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
});

export interface FinalizerConfig {
  tableName: string;
  mediaBucket: string;
  mediaPrefix?: string;
  playbackBaseUrl: string;
  eventBusName?: string;
  maxReceiveCount: number;
}

export function loadFinalizerConfig(env: Env = process.env): FinalizerConfig {
  const c = parseEnv(envSchema, env);
  const mediaBucket = c.MEDIA_BUCKET ?? c.STREAMPLANE_MEDIA_BUCKET;
  if (!mediaBucket) throw ConfigError.forKey('MEDIA_BUCKET', 'is required');
  return {
    tableName: c.TABLE_NAME,
    mediaBucket,
    ...(c.MEDIA_PREFIX ? { mediaPrefix: c.MEDIA_PREFIX } : {}),
    playbackBaseUrl: c.PLAYBACK_BASE_URL,
    ...optionalBus(c.EVENT_BUS_NAME),
    maxReceiveCount: c.MAX_RECEIVE_COUNT,
  };
}
