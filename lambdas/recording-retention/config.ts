/**
 * Configuration of the recording retention Lambda, read once per cold start; a ConfigError names the
 * bad key (never its value). The only module of this function that reads `process.env`.
 */
import { z } from 'zod';
import { bucketName, parseEnv, tableName, type Env } from '../shared/config';

const envSchema = z.object({
  TABLE_NAME: tableName,
  MEDIA_BUCKET: bucketName,
  // The function exists only with a retention (recordingRetentionDays > 0): 0 here is a wiring mistake.
  RECORDING_RETENTION_DAYS: z.coerce.number().int('must be whole days').min(1, 'must be at least 1').max(36500, 'must be at most 36500'),
});

export interface RecordingRetentionConfig {
  tableName: string;
  mediaBucket: string;
  retentionDays: number;
}

export function loadRecordingRetentionConfig(env: Env = process.env): RecordingRetentionConfig {
  const parsed = parseEnv(envSchema, env);
  return { tableName: parsed.TABLE_NAME, mediaBucket: parsed.MEDIA_BUCKET, retentionDays: parsed.RECORDING_RETENTION_DAYS };
}
