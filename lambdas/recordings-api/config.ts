/**
 * Configuration of the recordings API Lambda, read and validated once per cold start from the
 * environment; a bad key fails the cold start naming the key, never its value (one is a secret).
 */
import { z } from 'zod';
import type { StreamRegistryConfig } from '../shared/config';

const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');

const envSchema = z.object({
  TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  MEDIA_BUCKET: bucket.optional(),
  STREAMPLANE_MEDIA_BUCKET: bucket.optional(),
  MEDIA_PREFIX: z.string().regex(/^([A-Za-z0-9_-]+\/)+$/, 'must be a folder such as "media/"').optional(),
  PLAYBACK_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((v) => v.replace(/\/+$/, '')),
  /** Where MP4 export jobs go (consumed by the ingest service). Without it, export requests get 409. */
  MP4_EXPORT_QUEUE_URL: z.url({ protocol: /^https$/, error: 'must be an https SQS queue URL' }).optional(),
  API_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  API_TOKEN_SECRET_ARN: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN').optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').optional(),
});

export interface RecordingsApiConfig {
  tableName: string;
  mediaBucket: string;
  mediaPrefix?: string;
  playbackBaseUrl: string;
  mp4ExportQueueUrl?: string;
  apiToken: StreamRegistryConfig['apiToken'];
}

export class RecordingsApiConfigError extends Error {
  override readonly name = 'RecordingsApiConfigError';
  readonly code = 'config';
}

export function loadRecordingsApiConfig(env: Readonly<Record<string, string | undefined>>): RecordingsApiConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RecordingsApiConfigError(`Invalid configuration: ${String(issue?.path[0] ?? 'environment')} ${issue?.code === 'invalid_type' ? 'is required' : (issue?.message ?? 'is invalid')}.`);
  }
  const c = parsed.data;
  const mediaBucket = c.MEDIA_BUCKET ?? c.STREAMPLANE_MEDIA_BUCKET;
  if (!mediaBucket) throw new RecordingsApiConfigError('Invalid configuration: MEDIA_BUCKET is required.');
  if ((c.API_TOKEN === undefined) === (c.API_TOKEN_SECRET_ARN === undefined)) {
    throw new RecordingsApiConfigError('Invalid configuration: API_TOKEN / API_TOKEN_SECRET_ARN exactly one must be set.');
  }
  const apiToken: RecordingsApiConfig['apiToken'] =
    c.API_TOKEN !== undefined
      ? { value: c.API_TOKEN }
      : {
          secretArn: c.API_TOKEN_SECRET_ARN as string,
          ...(c.AWS_SESSION_TOKEN ? { sessionToken: c.AWS_SESSION_TOKEN } : {}),
          extensionPort: Number(c.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? 2773),
        };
  return {
    tableName: c.TABLE_NAME,
    mediaBucket,
    ...(c.MEDIA_PREFIX ? { mediaPrefix: c.MEDIA_PREFIX } : {}),
    playbackBaseUrl: c.PLAYBACK_BASE_URL,
    ...(c.MP4_EXPORT_QUEUE_URL ? { mp4ExportQueueUrl: c.MP4_EXPORT_QUEUE_URL } : {}),
    apiToken,
  };
}
