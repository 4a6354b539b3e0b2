/**
 * Cold-start wiring of the recordings API for AWS: validated config, DynamoDB for recording records and
 * the stream lookup, the media bucket (deletes), the MP4 export queue when configured, the API token from
 * its secret; EMF metrics (`api_requests`) flushed per invocation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { sqsQueueSender } from '../../adapters/sqs-retry-scheduler';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadRecordingsApiConfig } from './config';
import { createRecordingsApiHandler, type RecordingsApiDeps, type RecordingsApiHandler } from './handler';

const SERVICE = 'recordings-api';

export async function recordingsApiCloudDeps(env?: Env): Promise<RecordingsApiDeps & { metrics: EmfMetrics }> {
  const config = loadRecordingsApiConfig(env);
  const logger = powertoolsLogger(SERVICE);
  const client = new DynamoDBClient({});
  const exportQueue = config.mp4ExportQueueUrl ? sqsQueueSender(config.mp4ExportQueueUrl) : undefined;
  return {
    recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client }),
    streams: new DynamoDbStreamStore({ tableName: config.tableName, client, logger }),
    objectStore: new S3ObjectStore({ bucket: config.mediaBucket, ...(config.mediaPrefix ? { prefix: config.mediaPrefix } : {}) }),
    clock: systemClock,
    playbackBase: config.playbackBaseUrl,
    ...(exportQueue ? { mp4Exports: { request: (recordingId: string) => exportQueue.sendMessage(JSON.stringify({ recordingId }), 0) } } : {}),
    apiToken: apiTokenSource(config.apiToken),
    logger,
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildRecordingsApiHandler(env?: Env): Promise<RecordingsApiHandler> {
  const deps = await recordingsApiCloudDeps(env);
  return withMetricsFlush(createRecordingsApiHandler(deps), deps.metrics);
}
