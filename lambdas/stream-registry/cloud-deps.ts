/**
 * Cold-start wiring of the control API for AWS: validated config, one DynamoDB client shared by the
 * store and the event log, EventBridge (or the log) for events, the API token from its secret; EMF
 * metrics (`api_requests`) flushed per invocation.
 */
import { hostAddresses } from '../../adapters/host-addresses';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { DynamoDbMediaStore } from '../../adapters/dynamodb-media-store';
import { DynamoDbHealthStore } from '../../adapters/dynamodb-health-store';
import { DynamoDbNodeStore } from '../../adapters/dynamodb-node-store';
import { DynamoDbSessionStore } from '../../adapters/dynamodb-session-store';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import { loadStreamRegistryConfig } from './config';
import { createEventPublisher } from '../shared/event-publisher';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { SqsPullJobQueue } from '../../adapters/sqs-pull-job-queue';
import { DynamoDbCellCounts } from '../../adapters/dynamodb-cell-counts';
import { CLOUD_URL_POLICY } from '../../core/webhooks/url-policy';
import { createStreamRegistryHandler, type StreamRegistryDeps, type StreamRegistryHandler } from './handler';

const SERVICE = 'stream-registry';

export async function streamRegistryCloudDeps(env?: Env): Promise<StreamRegistryDeps & { metrics: EmfMetrics }> {
  const config = loadStreamRegistryConfig(env);
  const logger = powertoolsLogger(SERVICE);
  const client = new DynamoDBClient({});
  const store = new DynamoDbStreamStore({ tableName: config.tableName, client, logger });
  const eventLog = new DynamoDbEventLog({ tableName: config.tableName, client });
  const publisher = await createEventPublisher({ eventLog, ...(config.eventBusName ? { eventBusName: config.eventBusName } : {}) });
  return {
    store,
    media: new DynamoDbMediaStore({ tableName: config.tableName, client }),
    eventLog,
    emit: eventEmitter({ store, publisher, clock: systemClock }),
    clock: systemClock,
    urls: {
      rtmpServer: config.rtmpServerUrl,
      playbackBase: config.playbackBaseUrl,
      ...(config.srtServerUrl ? { srtServer: config.srtServerUrl } : {}),
      ...(config.httpIngestBaseUrl ? { httpIngestBase: config.httpIngestBaseUrl } : {}),
    },
    apiToken: apiTokenSource(config.apiToken),
    logger,
    ...(config.defaultReconnectWindowSeconds !== undefined ? { defaults: { reconnectWindowSeconds: config.defaultReconnectWindowSeconds } } : {}),
    metrics: new EmfMetrics(SERVICE),
    // Pull sources: public addresses only (checked as given and as they resolve now), jobs to SQS.
    sources: { sourcePolicy: CLOUD_URL_POLICY, resolveHost: hostAddresses() },
    ...(config.pullJobQueueUrl ? { pullJobs: new SqsPullJobQueue({ queueUrl: config.pullJobQueueUrl }) } : {}),
    // Ingest cells: new streams go to the least loaded cell (counter items in the table) and keep it.
    ...(config.ingestCells ? { cells: { cells: config.ingestCells, counts: new DynamoDbCellCounts({ tableName: config.tableName, client }) } } : {}),
    monitoring: {
      health: new DynamoDbHealthStore({ tableName: config.tableName, client }),
      sessions: new DynamoDbSessionStore({ tableName: config.tableName, client }),
      nodes: new DynamoDbNodeStore({ tableName: config.tableName, client }),
    },
  };
}

export async function buildStreamRegistryHandler(env?: Env): Promise<StreamRegistryHandler> {
  const deps = await streamRegistryCloudDeps(env);
  return withMetricsFlush(createStreamRegistryHandler(deps), deps.metrics);
}
