/** Cold-start wiring of the publish-auth hook for AWS: the table, the event bus, logger and EMF metrics. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import type { Env } from '../shared/config';
import { createEventPublisher } from '../shared/event-publisher';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadPublishAuthConfig } from './config';
import { createPublishAuthHandler, type PublishAuthDeps, type PublishAuthHandler } from './handler';

const SERVICE = 'publish-auth';

export async function publishAuthCloudDeps(env?: Env): Promise<PublishAuthDeps & { metrics: EmfMetrics }> {
  const config = loadPublishAuthConfig(env);
  const logger = powertoolsLogger(SERVICE);
  const client = new DynamoDBClient({});
  const store = new DynamoDbStreamStore({ tableName: config.tableName, client, logger });
  const eventLog = new DynamoDbEventLog({ tableName: config.tableName, client });
  const publisher = await createEventPublisher({ eventLog, ...(config.eventBusName ? { eventBusName: config.eventBusName } : {}) });
  return { store, emit: eventEmitter({ store, publisher, clock: systemClock }), clock: systemClock, logger, metrics: new EmfMetrics(SERVICE) };
}

export async function buildPublishAuthHandler(env?: Env): Promise<PublishAuthHandler> {
  const deps = await publishAuthCloudDeps(env);
  return withMetricsFlush(createPublishAuthHandler(deps), deps.metrics);
}
