/**
 * Cold-start wiring of the failover function for AWS: validated config, DynamoDB for the stream
 * registry, heartbeats, reconnect deadlines, backup feed reports and output leases, EventBridge for events, Powertools Logger and Metrics
 * (the handler's own chain flushes the metrics).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbBackupFeedReports } from '../../adapters/dynamodb-backup-feed-reports';
import { DynamoDbIngestHeartbeats } from '../../adapters/dynamodb-ingest-heartbeats';
import { DynamoDbOutputLeaseStore } from '../../adapters/dynamodb-output-lease';
import { DynamoDbReconnectDeadlines } from '../../adapters/dynamodb-reconnect-deadlines';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { EventBridgeEventPublisher } from '../../adapters/eventbridge-event-publisher';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import type { Env } from '../shared/config';
import { parseFailoverConfig } from './config';
import { createFailoverHandler, type FailoverHandlerDeps } from './handler';

const SERVICE = 'failover';

export function failoverCloudDeps(env?: Env): FailoverHandlerDeps {
  const config = parseFailoverConfig(env);
  const client = new DynamoDBClient({});
  const store = new DynamoDbStreamStore({ tableName: config.tableName, client });
  const publisher = new EventBridgeEventPublisher({ eventBusName: config.eventBusName });
  return {
    failover: {
      store,
      emit: eventEmitter({ store, publisher, clock: systemClock }),
      clock: systemClock,
      heartbeats: new DynamoDbIngestHeartbeats({ tableName: config.tableName, client }),
      deadlines: new DynamoDbReconnectDeadlines({ tableName: config.tableName, client }),
      // Backup ingest across tasks: the standby's reports, and the lost task's output lease to release.
      backup: {
        reports: new DynamoDbBackupFeedReports({ tableName: config.tableName, client }),
        leases: new DynamoDbOutputLeaseStore({ tableName: config.tableName, client }),
      },
    },
    settings: { staleAfterMs: config.staleAfterMs },
    logger: new Logger({ serviceName: SERVICE }),
    metrics: new Metrics({ serviceName: SERVICE }),
  };
}

export async function buildFailoverHandler(env?: Env): Promise<ReturnType<typeof createFailoverHandler>> {
  return createFailoverHandler(failoverCloudDeps(env));
}
