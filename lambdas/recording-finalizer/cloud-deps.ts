/**
 * Cold-start wiring of the recording finalizer for AWS: validated config, one DynamoDB client for the
 * recording records, the stream registry (session re-check, event sequence numbers) and the event log,
 * the media bucket through the S3 object store, EventBridge (or the log) for events, EMF metrics.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import type { Env } from '../shared/config';
import { createEventPublisher } from '../shared/event-publisher';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadFinalizerConfig } from './config';
import { createRecordingFinalizerHandler, type RecordingFinalizerDeps, type RecordingFinalizerHandler } from './handler';

const SERVICE = 'recording-finalizer';

export async function recordingFinalizerCloudDeps(env?: Env): Promise<RecordingFinalizerDeps & { metrics: EmfMetrics }> {
  const config = loadFinalizerConfig(env);
  const logger = powertoolsLogger(SERVICE);
  const client = new DynamoDBClient({});
  const streams = new DynamoDbStreamStore({ tableName: config.tableName, client, logger });
  const eventLog = new DynamoDbEventLog({ tableName: config.tableName, client });
  const publisher = await createEventPublisher({ eventLog, ...(config.eventBusName ? { eventBusName: config.eventBusName } : {}) });
  return {
    recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client }),
    streams,
    objectStore: new S3ObjectStore({ bucket: config.mediaBucket, ...(config.mediaPrefix ? { prefix: config.mediaPrefix } : {}) }),
    emit: eventEmitter({ store: streams, publisher, clock: systemClock }),
    clock: systemClock,
    playbackBase: config.playbackBaseUrl,
    maxReceiveCount: config.maxReceiveCount,
    logger,
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildRecordingFinalizerHandler(env?: Env): Promise<RecordingFinalizerHandler> {
  const deps = await recordingFinalizerCloudDeps(env);
  return withMetricsFlush(createRecordingFinalizerHandler(deps), deps.metrics);
}
