/** Cold-start wiring of the registry's event consumer: config, DynamoDB event log, Powertools logger. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { loadPublishAuthConfig } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { createEventConsumerHandler, type EventConsumerHandler } from './event-consumer';

export async function buildEventConsumerHandler(): Promise<EventConsumerHandler> {
  const config = loadPublishAuthConfig();
  const eventLog = new DynamoDbEventLog({ tableName: config.tableName, client: new DynamoDBClient({}) });
  return createEventConsumerHandler({ eventLog, logger: powertoolsLogger('registry-events') });
}
