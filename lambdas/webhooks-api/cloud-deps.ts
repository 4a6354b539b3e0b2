/**
 * Cold-start wiring of the webhooks API for AWS: validated config, DynamoDB, the dispatcher's retry queue
 * for manual redeliveries, the cloud URL policy (private ranges refused unless allow-listed), the system
 * resolver for the registration-time DNS check, and the API token from its secret.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbWebhookStore } from '../../adapters/dynamodb-webhook-store';
import { systemResolver } from '../../adapters/http-webhook-sender';
import { QueueRetryScheduler, sqsQueueSender } from '../../adapters/sqs-retry-scheduler';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import { powertoolsLogger } from '../shared/logger';
import { loadWebhooksApiConfig } from './config';
import { createWebhooksApiHandler, type WebhooksApiHandler } from './handler';

const DNS_CHECK_TIMEOUT_MS = 3_000;

export async function buildWebhooksApiHandler(): Promise<WebhooksApiHandler> {
  const config = loadWebhooksApiConfig();
  const store = new DynamoDbWebhookStore({ tableName: config.tableName, client: new DynamoDBClient({}) });
  const scheduler = new QueueRetryScheduler(sqsQueueSender(config.retryQueueUrl));
  return createWebhooksApiHandler({
    store,
    clock: systemClock,
    urlPolicy: { allowLoopback: false, allowCidrs: config.allowCidrs },
    resolveHost: (host) => withTimeout(systemResolver(host).then((all) => all.map((a) => a.address)), DNS_CHECK_TIMEOUT_MS),
    enqueue: (message) => scheduler.schedule(message, 0),
    apiToken: apiTokenSource(config.apiToken),
    logger: powertoolsLogger('webhooks-api'),
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('DNS check timed out')), ms);
    }),
  ]);
}
