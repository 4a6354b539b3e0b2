/**
 * Configuration of the playback-auth Lambda, read once per cold start and validated (the key is named
 * in the error, never its value). The only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { bucketName, parseEnv, tableName, type Env } from '../shared/config';

export interface PlaybackAuthConfig {
  tableName: string;
  mediaBucket: string;
  /** Secrets Manager secret holding the derived-token HMAC secret (64 hex characters). */
  secretArn: string;
  sessionToken?: string;
  extensionPort: number;
}

const schema = z.object({
  TABLE_NAME: tableName,
  MEDIA_BUCKET: bucketName,
  PLAYBACK_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'),
  AWS_SESSION_TOKEN: z.string().optional(),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').optional(),
});

export function loadPlaybackAuthConfig(env: Env = process.env): PlaybackAuthConfig {
  const p = parseEnv(schema, env);
  return {
    tableName: p.TABLE_NAME,
    mediaBucket: p.MEDIA_BUCKET,
    secretArn: p.PLAYBACK_SECRET_ARN,
    ...(p.AWS_SESSION_TOKEN ? { sessionToken: p.AWS_SESSION_TOKEN } : {}),
    extensionPort: Number(p.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
  };
}
