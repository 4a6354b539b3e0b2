/** Configuration of the playback edge sync, read once per cold start; the only module of it reading `process.env`. */
import { z } from 'zod';
import { parseEnv, tableName, type Env } from '../shared/config';

const schema = z.object({
  TABLE_NAME: tableName,
  PLAYBACK_KVS_ARN: z.string().regex(/^arn:aws[a-z-]*:cloudfront::\d{12}:key-value-store\/[A-Za-z0-9-]+$/, 'must be a CloudFront KeyValueStore ARN'),
});

export function loadPlaybackEdgeSyncConfig(env: Env = process.env): { tableName: string; kvsArn: string } {
  const parsed = parseEnv(schema, env);
  return { tableName: parsed.TABLE_NAME, kvsArn: parsed.PLAYBACK_KVS_ARN };
}
