/**
 * Webhooks in the local plane, wired the way AWS wires them: every event on the local bus is wrapped
 * exactly as EventBridge would put it into SQS (source `streamplane`, detail-type = event type, detail
 * = envelope) and sent to a local events queue, whose consumer is the very dispatcher Lambda handler;
 * retries, deferrals and redeliveries go through a local retry queue (same handler), exhausted
 * deliveries into a local dead-letter queue. Also serves the webhooks API handler and the live event
 * stream (SSE).
 *
 * The queues live in memory. What a restart would lose — deliveries in flight or waiting for a retry —
 * is recorded in DynamoDB as pending, and re-queued by `recoverPending` at start.
 *
 * Must never: let the local plane send webhooks to private addresses other than loopback unless
 * `allowCidrs` says so, or keep timers, sockets or subscriptions after `close`.
 */
import { hostAddresses } from '../adapters/host-addresses';
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { DynamoDbWebhookStore } from '../adapters/dynamodb-webhook-store';
import { HttpWebhookSender, type HostResolver } from '../adapters/http-webhook-sender';
import { LocalQueue, type DelayScheduler } from '../adapters/local-queue';
import { serveHttpApi } from '../adapters/local-http-api';
import { QueueDeadLetterSink, QueueRetryScheduler, type QueueSender } from '../adapters/sqs-retry-scheduler';
import { systemTimers } from '../adapters/system-timers';
import type { EmitEvent } from '../core/events/emit-event';
import type { StreamplaneEvent } from '../core/events/catalog';
import { systemClock, type Clock } from '../core/ports/clock';
import type { EventLog } from '../core/ports/event-bus';
import { silentLogger, type Logger } from '../core/ports/logger';
import { noopMetrics, type Metrics } from '../core/ports/metrics';
import type { WebhookSender } from '../core/ports/webhook-sender';
import { attemptMessage } from '../core/webhooks/delivery';
import { LOCAL_URL_POLICY, type Cidr, type UrlPolicy } from '../core/webhooks/url-policy';
import type { TokenSource } from '../lambdas/shared/bearer-auth';
import { createWebhookDispatcherHandler } from '../lambdas/webhook-dispatcher/handler';
import type { DispatchConfig } from '../core/webhooks/dispatch';
import { EVENT_SOURCE } from '../lambdas/webhook-dispatcher/schema';
import { createWebhooksApiHandler } from '../lambdas/webhooks-api/handler';
import { createEventStream, type EventSource } from './http/event-stream-route';
import type { Route } from './http/plane-http-server';

export interface LocalWebhooksOptions {
  bus: EventSource;
  eventLog: EventLog;
  client: DynamoDBClient;
  tableName: string;
  /** Emits `webhook.disabled` (the plane's emitter: sequence, log, bus). */
  emit: EmitEvent;
  apiToken: TokenSource;
  logger?: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** Loopback receivers are the normal case locally (default true). */
  allowLoopback?: boolean;
  allowCidrs?: ReadonlyArray<Cidr>;
  dispatcher?: Partial<DispatchConfig>;
  /** Tests: compress retry delays. */
  delayScheduler?: DelayScheduler;
  /** Tests: a resolver that plays DNS tricks; default the OS resolver. */
  resolve?: HostResolver;
  /** Tests and benchmarks: observe or replace the HTTP sender. */
  wrapSender?: (sender: WebhookSender) => WebhookSender;
  queue?: { batchSize?: number; maxConcurrentBatches?: number; visibilityTimeoutMs?: number; maxReceiveCount?: number };
  eventStream?: { heartbeatMs?: number; maxBufferedBytes?: number };
}

export interface LocalWebhooks {
  /** `/v1/webhooks…` → the webhooks API handler. Put it before the control API's catch-all route. */
  apiRoute: Route;
  /** `GET /v1/events/stream` (SSE). Put it before the control API's catch-all route. */
  eventStreamRoute: Route;
  /** EventBridge-shaped events, fanned out by the dispatcher. */
  eventsQueue: LocalQueue;
  /** The dispatcher's attempt messages: retries, routed first attempts, deferrals, redeliveries. */
  retryQueue: LocalQueue;
  deadLetterQueue: LocalQueue;
  /** Resolves once neither queue has anything visible or in progress (delayed retries may remain). */
  whenIdle(): Promise<void>;
  /** Moves dead letters into the retry queue: one more attempt each. */
  redrive(): Promise<number>;
  /** Re-queues deliveries a previous run left in flight or waiting for a retry. */
  recoverPending(): Promise<number>;
  close(): Promise<void>;
}

export function wireLocalWebhooks(options: LocalWebhooksOptions): LocalWebhooks {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const policy: UrlPolicy = { allowLoopback: options.allowLoopback ?? LOCAL_URL_POLICY.allowLoopback, allowCidrs: [...(options.allowCidrs ?? [])] };
  const store = new DynamoDbWebhookStore({ tableName: options.tableName, client: options.client });
  const httpSender = new HttpWebhookSender({ policy, ...(options.resolve ? { resolve: options.resolve } : {}) });
  const sender = options.wrapSender ? options.wrapSender(httpSender) : httpSender;

  const deadLetterQueue = new LocalQueue({ name: 'webhook-dead-letters', logger });
  // The handler needs the retry queue and the queues need the handler: bind through a late reference.
  let retryQueue: LocalQueue;
  const toRetries: QueueSender = { sendMessage: async (body, delaySeconds) => void (await retryQueue.sendMessage(body, { delaySeconds })) };
  const toDeadLetters: QueueSender = { sendMessage: async (body) => void (await deadLetterQueue.sendMessage(body)) };
  const scheduler = new QueueRetryScheduler(toRetries);

  const dispatcher = createWebhookDispatcherHandler({
    store,
    sender,
    scheduler,
    deadLetters: new QueueDeadLetterSink(toDeadLetters, clock),
    emit: options.emit,
    clock,
    timers: systemTimers,
    logger,
    metrics: options.metrics ?? noopMetrics,
    ...(options.dispatcher ? { config: options.dispatcher } : {}),
  });
  // Two queues, one handler, as in AWS: events (EventBridge target) and retries (the dispatcher's own).
  const queueOptions = { handler: (event: SQSEvent, context: Context) => dispatcher(event, context), deadLetterQueue, logger, ...options.queue };
  const eventsQueue = new LocalQueue({ name: 'webhook-events', ...queueOptions });
  retryQueue = new LocalQueue({ name: 'webhook-retries', ...queueOptions, ...(options.delayScheduler ? { delayScheduler: options.delayScheduler } : {}) });

  // EventBridge rule → SQS target: the message body is the whole EventBridge event.
  const unsubscribe = options.bus.subscribe(async (event: StreamplaneEvent) => {
    await eventsQueue.sendMessage(JSON.stringify(eventBridgeEnvelope(event)));
  });

  const api = createWebhooksApiHandler({
    store,
    clock,
    urlPolicy: policy,
    resolveHost: hostAddresses(options.resolve ? { resolve: options.resolve } : {}),
    enqueue: (message) => scheduler.schedule(message, 0),
    apiToken: options.apiToken,
    logger,
  });
  const apiRoute: Route = async (req, res, url) => {
    if (url.pathname !== '/v1/webhooks' && !url.pathname.startsWith('/v1/webhooks/')) return false;
    await serveHttpApi(api, req, res, url);
    return true;
  };

  const eventStream = createEventStream({ bus: options.bus, eventLog: options.eventLog, apiToken: options.apiToken, logger, ...options.eventStream });

  return {
    apiRoute,
    eventStreamRoute: eventStream.route,
    eventsQueue,
    retryQueue,
    deadLetterQueue,
    redrive: () => deadLetterQueue.redriveTo(retryQueue),
    async whenIdle() {
      // Both at once: work in one queue can put messages into the other.
      while (!(eventsQueue.idle && retryQueue.idle)) {
        await eventsQueue.whenIdle();
        await retryQueue.whenIdle();
      }
    },
    async recoverPending() {
      const pending = await store.pendingDeliveries(10_000);
      const now = clock.now().getTime();
      for (const delivery of pending) {
        // In flight when the last run stopped: repeat that attempt once its claim lapses; else the next one.
        const attempt = delivery.status === 'in_flight' ? delivery.lastAttempt : delivery.lastAttempt + 1;
        const message = attemptMessage({
          endpointId: delivery.endpointId,
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          streamId: delivery.streamId,
          body: delivery.body,
          attempt,
          trigger: 'recovery',
        });
        await scheduler.schedule(message, Math.max(0, Date.parse(delivery.dueAt) - now));
      }
      if (pending.length > 0) logger.info('webhooks: re-queued pending deliveries', { count: pending.length });
      return pending.length;
    },
    async close() {
      unsubscribe();
      eventStream.close();
      // In flight deliveries finish (each bounded by the send timeout); what is still queued stays
      // recorded as pending in the table and is re-queued by recoverPending on the next start.
      await Promise.all([eventsQueue.close(), retryQueue.close()]);
      await deadLetterQueue.close();
      httpSender.close();
    },
  };
}

/** What an EventBridge rule with an SQS target puts in the message body. */
export function eventBridgeEnvelope(event: StreamplaneEvent): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': event.type,
    source: EVENT_SOURCE,
    account: '000000000000',
    // EventBridge keeps whole seconds.
    time: event.time.replace(/\.\d+Z$/, 'Z'),
    region: 'local',
    resources: [],
    detail: event,
  };
}
