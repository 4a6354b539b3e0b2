/**
 * Cold-start wiring of the webhooks API for AWS: validated config, DynamoDB, the dispatcher's retry queue
 * for manual redeliveries, the cloud URL policy (private ranges refused unless allow-listed), the system
 * resolver for the registration-time DNS check, and the API token from its secret; EMF metrics
 * (`api_requests`) flushed per invocation.
 */
import { hostAddresses } from '../../adapters/host-addresses';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbWebhookStore } from '../../adapters/dynamodb-webhook-store';
import { QueueRetryScheduler, sqsQueueSender } from '../../adapters/sqs-retry-scheduler';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadWebhooksApiConfig } from './config';
import { createWebhooksApiHandler, type WebhooksApiDeps, type WebhooksApiHandler } from './handler';


const SERVICE = 'webhooks-api';

export async function webhooksApiCloudDeps(env?: Env): Promise<WebhooksApiDeps & { metrics: EmfMetrics }> {
  const config = loadWebhooksApiConfig(env);
  const store = new DynamoDbWebhookStore({ tableName: config.tableName, client: new DynamoDBClient({}) });
  const scheduler = new QueueRetryScheduler(sqsQueueSender(config.retryQueueUrl));
  return {
    store,
    clock: systemClock,
    urlPolicy: { allowLoopback: false, allowCidrs: config.allowCidrs },
    resolveHost: hostAddresses(),
    enqueue: (message) => scheduler.schedule(message, 0),
    apiToken: apiTokenSource(config.apiToken),
    logger: powertoolsLogger(SERVICE),
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildWebhooksApiHandler(env?: Env): Promise<WebhooksApiHandler> {
  const deps = await webhooksApiCloudDeps(env);
  return withMetricsFlush(createWebhooksApiHandler(deps), deps.metrics);
}

