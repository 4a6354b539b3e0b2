/** Cold-start wiring of the registry's event consumer: config, DynamoDB event log, Powertools logger and EMF metrics. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbSessionStore } from '../../adapters/dynamodb-session-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadEventConsumerConfig } from './config';
import { createEventConsumerHandler, type EventConsumerDeps, type EventConsumerHandler } from './event-consumer';

const SERVICE = 'registry-events';

export function eventConsumerCloudDeps(env?: Env): EventConsumerDeps & { metrics: EmfMetrics } {
  const config = loadEventConsumerConfig(env);
  const client = new DynamoDBClient({});
  const eventLog = new DynamoDbEventLog({ tableName: config.tableName, client });
  return {
    eventLog,
    sessions: new DynamoDbSessionStore({ tableName: config.tableName, client }),
    streams: new DynamoDbStreamStore({ tableName: config.tableName, client }),
    logger: powertoolsLogger(SERVICE), metrics: new EmfMetrics(SERVICE) };
}

export async function buildEventConsumerHandler(env?: Env): Promise<EventConsumerHandler> {
  const deps = eventConsumerCloudDeps(env);
  return withMetricsFlush(createEventConsumerHandler(deps), deps.metrics);
}
