/**
 * Cold-start wiring of the recordings API for AWS: validated config, DynamoDB for recording records and
 * the stream lookup, the media bucket (deletes), the MP4 export queue when configured, the API token from
 * its secret.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { sqsQueueSender } from '../../adapters/sqs-retry-scheduler';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import { powertoolsLogger } from '../shared/logger';
import { loadRecordingsApiConfig } from './config';
import { createRecordingsApiHandler, type RecordingsApiHandler } from './handler';

export async function buildRecordingsApiHandler(): Promise<RecordingsApiHandler> {
  const config = loadRecordingsApiConfig();
  const logger = powertoolsLogger('recordings-api');
  const client = new DynamoDBClient({});
  const exportQueue = config.mp4ExportQueueUrl ? sqsQueueSender(config.mp4ExportQueueUrl) : undefined;
  return createRecordingsApiHandler({
    recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client }),
    streams: new DynamoDbStreamStore({ tableName: config.tableName, client, logger }),
    objectStore: new S3ObjectStore({ bucket: config.mediaBucket, ...(config.mediaPrefix ? { prefix: config.mediaPrefix } : {}) }),
    clock: systemClock,
    playbackBase: config.playbackBaseUrl,
    ...(exportQueue ? { mp4Exports: { request: (recordingId: string) => exportQueue.sendMessage(JSON.stringify({ recordingId }), 0) } } : {}),
    apiToken: apiTokenSource(config.apiToken),
    logger,
  });
}
