/** Configuration of the playback edge sync, read once per cold start; the only module of it reading `process.env`. */
import { z } from 'zod';
import { parseEnv, tableName, type Env } from '../shared/config';

const schema = z.object({
  TABLE_NAME: tableName,
  PLAYBACK_KVS_ARN: z.string().regex(/^arn:aws[a-z-]*:cloudfront::\d{12}:key-value-store\/[A-Za-z0-9-]+$/, 'must be a CloudFront KeyValueStore ARN'),
  PLAYBACK_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'),
  AWS_SESSION_TOKEN: z.string().optional(),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').optional(),
});

export interface PlaybackEdgeSyncConfig {
  tableName: string;
  kvsArn: string;
  secret: { secretArn: string; sessionToken?: string; extensionPort: number };
}

export function loadPlaybackEdgeSyncConfig(env: Env = process.env): PlaybackEdgeSyncConfig {
  const p = parseEnv(schema, env);
  return {
    tableName: p.TABLE_NAME,
    kvsArn: p.PLAYBACK_KVS_ARN,
    secret: { secretArn: p.PLAYBACK_SECRET_ARN, ...(p.AWS_SESSION_TOKEN ? { sessionToken: p.AWS_SESSION_TOKEN } : {}), extensionPort: Number(p.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773) },
  };
}
