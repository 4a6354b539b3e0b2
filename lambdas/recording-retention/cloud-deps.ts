/**
 * Cold-start wiring of the recording retention sweep for AWS: validated config, DynamoDB for the
 * recording records, the media bucket through the S3 object store, EMF metrics. No event bus: deleting
 * a recording emits nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { systemClock } from '../../core/ports/clock';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadRecordingRetentionConfig } from './config';
import { createRecordingRetentionHandler, type RecordingRetentionDeps, type RecordingRetentionHandler } from './handler';

const SERVICE = 'recording-retention';

export function recordingRetentionCloudDeps(env?: Env): RecordingRetentionDeps & { metrics: EmfMetrics } {
  const config = loadRecordingRetentionConfig(env);
  return {
    recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client: new DynamoDBClient({}) }),
    objectStore: new S3ObjectStore({ bucket: config.mediaBucket }),
    clock: systemClock,
    retentionDays: config.retentionDays,
    logger: powertoolsLogger(SERVICE),
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildRecordingRetentionHandler(env?: Env): Promise<RecordingRetentionHandler> {
  const deps = recordingRetentionCloudDeps(env);
  return withMetricsFlush(createRecordingRetentionHandler(deps), deps.metrics);
}
