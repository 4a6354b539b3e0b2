/**
 * Cold-start wiring of the recording retention sweep for AWS: validated config, DynamoDB for the
 * recording records, the media bucket through the S3 object store. No event bus: deleting a recording
 * emits nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { systemClock } from '../../core/ports/clock';
import { parseEnv } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { createRecordingRetentionHandler, type RecordingRetentionHandler } from './handler';

const envSchema = z.object({
  TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  MEDIA_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  // The function exists only with a retention (recordingRetentionDays > 0): 0 here is a wiring mistake.
  RECORDING_RETENTION_DAYS: z.coerce.number().int('must be whole days').min(1, 'must be at least 1').max(36500, 'must be at most 36500'),
});

export interface RecordingRetentionConfig {
  tableName: string;
  mediaBucket: string;
  retentionDays: number;
}

/** The configuration, validated; a ConfigError names the bad key (never its value). */
export function loadRecordingRetentionConfig(env: Readonly<Record<string, string | undefined>>): RecordingRetentionConfig {
  const parsed = parseEnv(envSchema, env);
  return {
    tableName: parsed.TABLE_NAME,
    mediaBucket: parsed.MEDIA_BUCKET,
    retentionDays: parsed.RECORDING_RETENTION_DAYS,
  };
}

export async function buildRecordingRetentionHandler(): Promise<RecordingRetentionHandler> {
  const config = loadRecordingRetentionConfig(process.env);
  return createRecordingRetentionHandler({
    recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client: new DynamoDBClient({}) }),
    objectStore: new S3ObjectStore({ bucket: config.mediaBucket }),
    clock: systemClock,
    retentionDays: config.retentionDays,
    logger: powertoolsLogger('recording-retention'),
  });
}
