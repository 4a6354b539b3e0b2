/** Cold-start wiring of the publish-auth hook for AWS: only the table and the event bus are needed. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import { loadPublishAuthConfig } from '../shared/config';
import { createEventPublisher } from '../shared/event-publisher';
import { powertoolsLogger } from '../shared/logger';
import { createPublishAuthHandler, type PublishAuthHandler } from './handler';

export async function buildPublishAuthHandler(): Promise<PublishAuthHandler> {
  const config = loadPublishAuthConfig();
  const logger = powertoolsLogger('publish-auth');
  const client = new DynamoDBClient({});
  const store = new DynamoDbStreamStore({ tableName: config.tableName, client, logger });
  const eventLog = new DynamoDbEventLog({ tableName: config.tableName, client });
  const publisher = await createEventPublisher({ eventLog, ...(config.eventBusName ? { eventBusName: config.eventBusName } : {}) });
  return createPublishAuthHandler({ store, emit: eventEmitter({ store, publisher, clock: systemClock }), clock: systemClock, logger });
}
