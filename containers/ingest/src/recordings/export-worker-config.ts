/**
 * Configuration of the MP4 export worker task (one Fargate task per export, started by the export
 * dispatcher with ecs:RunTask): the task definition sets the table, bucket and paths; the dispatcher adds
 * the recording to export as a container override. Validated once at start, naming the bad variable.
 *
 * Must never: read anything the worker does not use (no ingest, bus or queue settings: it has no rights there).
 */
import { z } from 'zod';
import { parseEnvAll, type Env } from '../../../../core/config/env';
import { isId } from '../../../../core/ids';
import { EXPORT_RECORDING_ID_VAR } from '../../../../core/ports/export-tasks';

const schema = z.object({
  [EXPORT_RECORDING_ID_VAR]: z.string().refine((v) => isId('recording', v), 'must be a recording id (rec_…)'),
  STREAMPLANE_MEDIA_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  STREAMPLANE_TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  STREAMPLANE_DATA_DIR: z.string().min(1).default('/scratch/data'),
  STREAMPLANE_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  STREAMPLANE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** ffmpeg is killed after this long (the dispatcher's queue gives up on a job after three tries). */
  STREAMPLANE_EXPORT_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(6 * 3600).default(1800),
});

export interface ExportWorkerConfig {
  recordingId: string;
  mediaBucket: string;
  tableName: string;
  /** The temp folders of the export go under `<dataDir>/exports`. */
  dataDir: string;
  ffmpegPath: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  timeoutMs: number;
}

export function loadExportWorkerConfig(env: Env): ExportWorkerConfig {
  const c = parseEnvAll(schema, env);
  return {
    recordingId: c[EXPORT_RECORDING_ID_VAR],
    mediaBucket: c.STREAMPLANE_MEDIA_BUCKET,
    tableName: c.STREAMPLANE_TABLE_NAME,
    dataDir: c.STREAMPLANE_DATA_DIR,
    ffmpegPath: c.STREAMPLANE_FFMPEG_PATH,
    logLevel: c.STREAMPLANE_LOG_LEVEL,
    timeoutMs: c.STREAMPLANE_EXPORT_TIMEOUT_SECONDS * 1000,
  };
}
