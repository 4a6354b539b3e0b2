/**
 * The MP4 export worker: exports the one recording its configuration names, with the AWS adapters (the
 * recording from DynamoDB, its segments read from and the MP4 written to the media bucket), then returns.
 * It runs in a Fargate task of its own (export-main.ts), sized for a remux, so an export never takes CPU
 * from a live transcode. The export itself is mp4-export.ts, the same module the local plane runs.
 *
 * Must never: read through the CDN (signed playback would refuse it), or report success for an export
 * whose outcome it could not record on the recording (the caller exits non-zero then).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { DynamoDbRecordingStore } from '../../../../adapters/dynamodb-recording-store';
import { S3ObjectStore } from '../../../../adapters/s3-object-store';
import { systemClock, type Clock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import type { ExportWorkerConfig } from './export-worker-config';
import { exportRecordingMp4, type Mp4ExportResult } from './mp4-export';

export interface ExportWorkerOverrides {
  dynamo?: DynamoDBClient;
  s3?: S3Client;
  clock?: Clock;
  signal?: AbortSignal;
}

export async function runExportWorker(config: ExportWorkerConfig, logger: Logger, overrides: ExportWorkerOverrides = {}): Promise<Mp4ExportResult> {
  const dynamo = overrides.dynamo ?? new DynamoDBClient({});
  const s3 = overrides.s3 ?? new S3Client({});
  const started = Date.now();
  const result = await exportRecordingMp4(
    {
      recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client: dynamo }),
      objectStore: new S3ObjectStore({ bucket: config.mediaBucket, client: s3 }),
      clock: overrides.clock ?? systemClock,
      source: { objects: true },
      scratchDir: join(config.dataDir, 'exports'),
      ffmpegPath: config.ffmpegPath,
      timeoutMs: config.timeoutMs,
      logger,
      ...(overrides.signal ? { signal: overrides.signal } : {}),
    },
    config.recordingId,
  );
  logger.info('export worker: done', { recordingId: config.recordingId, status: result.status, ms: Date.now() - started, ...(result.status === 'skipped' ? { reason: result.reason } : {}) });
  return result;
}
