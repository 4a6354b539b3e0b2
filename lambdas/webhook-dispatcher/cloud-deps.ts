/**
 * Cold-start wiring of the webhook dispatcher for AWS: DynamoDB for endpoints and the delivery log, the
 * HTTP sender under the cloud URL policy, the retry queue for attempt messages, the dead-letter queue
 * for exhausted deliveries, and EventBridge (or the event log) for `webhook.disabled`, whose sequence
 * comes from the stream store's counter; the process's timers for the delivery slots; EMF metrics flushed
 * per invocation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbEventLog } from '../../adapters/dynamodb-event-log';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { DynamoDbWebhookStore } from '../../adapters/dynamodb-webhook-store';
import { HttpWebhookSender } from '../../adapters/http-webhook-sender';
import { QueueDeadLetterSink, QueueRetryScheduler, sqsQueueSender } from '../../adapters/sqs-retry-scheduler';
import { systemTimers } from '../../adapters/system-timers';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import { createEventPublisher } from '../shared/event-publisher';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadWebhookDispatcherConfig } from './config';
import { createWebhookDispatcherHandler, type WebhookDispatcherDeps, type WebhookDispatcherHandler } from './handler';

const SERVICE = 'webhook-dispatcher';

export async function webhookDispatcherCloudDeps(env?: Env): Promise<WebhookDispatcherDeps & { metrics: EmfMetrics }> {
  const config = loadWebhookDispatcherConfig(env);
  const logger = powertoolsLogger(SERVICE);
  const dynamo = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const store = new DynamoDbWebhookStore({ tableName: config.tableName, client: dynamo });
  // Only nextSequence is used, for the stream-less webhook.disabled event (a clock-derived number, no counter item).
  const sequences = new DynamoDbStreamStore({ tableName: config.tableName, client: dynamo, logger });
  const publisher = await createEventPublisher({
    eventLog: new DynamoDbEventLog({ tableName: config.tableName, client: dynamo }),
    ...(config.eventBusName ? { eventBusName: config.eventBusName } : {}),
  });
  return {
    store,
    sender: new HttpWebhookSender({ policy: { allowLoopback: false, allowCidrs: config.allowCidrs } }),
    scheduler: new QueueRetryScheduler(sqsQueueSender(config.retryQueueUrl, sqs)),
    deadLetters: new QueueDeadLetterSink(sqsQueueSender(config.deadLetterQueueUrl, sqs), systemClock),
    emit: eventEmitter({ store: sequences, publisher, clock: systemClock }),
    clock: systemClock,
    timers: systemTimers,
    logger,
    metrics: new EmfMetrics(SERVICE),
    config: { retryScheduleMs: config.retryScheduleMs, timeoutMs: config.timeoutMs, disableAfterMs: config.disableAfterMs },
  };
}

export async function buildWebhookDispatcherHandler(env?: Env): Promise<WebhookDispatcherHandler> {
  const deps = await webhookDispatcherCloudDeps(env);
  return withMetricsFlush(createWebhookDispatcherHandler(deps), deps.metrics);
}
