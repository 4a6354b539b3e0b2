/**
 * Cold-start wiring of the control API for AWS: validated config, one DynamoDB client shared by the
 * store and the event log, EventBridge (or the log) for events, the API token from its secret.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import { loadStreamRegistryConfig } from './config';
import { createEventPublisher } from '../shared/event-publisher';
import { powertoolsLogger } from '../shared/logger';
import { createStreamRegistryHandler, type StreamRegistryHandler } from './handler';

export async function buildStreamRegistryHandler(): Promise<StreamRegistryHandler> {
  const config = loadStreamRegistryConfig();
  const logger = powertoolsLogger('stream-registry');
  const client = new DynamoDBClient({});
  const store = new DynamoDbStreamStore({ tableName: config.tableName, client, logger });
  const eventLog = new DynamoDbEventLog({ tableName: config.tableName, client });
  const publisher = await createEventPublisher({ eventLog, ...(config.eventBusName ? { eventBusName: config.eventBusName } : {}) });
  return createStreamRegistryHandler({
    store,
    eventLog,
    emit: eventEmitter({ store, publisher, clock: systemClock }),
    clock: systemClock,
    urls: { rtmpServer: config.rtmpServerUrl, playbackBase: config.playbackBaseUrl },
    apiToken: apiTokenSource(config.apiToken),
    logger,
    ...(config.defaultReconnectWindowSeconds !== undefined ? { defaults: { reconnectWindowSeconds: config.defaultReconnectWindowSeconds } } : {}),
  });
}
