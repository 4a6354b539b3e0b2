/**
 * The webhook dispatcher Lambda (SQS event sources, ReportBatchItemFailures). It consumes two queues
 * with the same code:
 *
 *   events   EventBridge events (rule target). Each is fanned out to every enabled endpoint that wants
 *            its type; healthy endpoints get attempt 1 right here. Endpoints that are failing or slow
 *            get it through the retry queue instead, so they never hold up this lane.
 *   retries  the dispatcher's own attempt messages: retries (long waits are chains of ≤15 min hops),
 *            first attempts routed away from the events lane, deferrals, manual redeliveries and
 *            redriven dead letters.
 *
 * Deliveries run concurrently, bounded per process and per endpoint (see concurrency.ts); the use
 * case in core/webhooks/delivery.ts does the claim, the send, the log and what follows. A record fails
 * (and comes back from its queue) only when the plane could not do its part — a store or queue error —
 * never because a receiver failed: that is an attempt, logged and retried on the schedule. Records that
 * can never parse fail every time and so end in the dead-letter queue.
 *
 * Must never: let a slow endpoint hold the events lane, start an attempt it cannot finish before the
 * invocation times out, or log an endpoint URL or secret.
 */
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { noopMetrics } from '../../core/ports/metrics';
import {
  attemptDelivery,
  attemptMessage,
  DEFAULT_DELIVERY_CONFIG,
  endpointsFor,
  type DeliveryConfig,
  type DeliveryDeps,
  type DeliveryInput,
} from '../../core/webhooks/delivery';
import type { WebhookSender } from '../../core/ports/webhook-sender';
import type { WebhookEndpoint } from '../../core/webhooks/webhooks';
import { EndpointGate, Semaphore } from './concurrency';
import { parseQueueMessage, type QueueMessage } from './schema';
import { coldStartHandler } from '../shared/cold-start';

export interface DispatcherConfig extends DeliveryConfig {
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  /** Deliveries in flight at once to one healthy endpoint in this process. */
  perEndpointConcurrency: number;
  /** … and to one slow endpoint (retry lane only; the events lane routes slow endpoints away). */
  slowEndpointConcurrency: number;
  /** An HTTP request running this long marks its endpoint slow… */
  slowAfterMs: number;
  /** …for this long after it finished. */
  slowMemoryMs: number;
  /** How long a delivery waits for one of its endpoint's slots before it is handed back to the queue. */
  slotWaitMs: number;
  /** First delay of a delivery handed back (busy endpoint); it doubles with every deferral, up to 15 min. */
  deferMs: number;
}

export const DEFAULT_DISPATCHER_CONFIG: DispatcherConfig = {
  ...DEFAULT_DELIVERY_CONFIG,
  concurrency: 64,
  perEndpointConcurrency: 16,
  slowEndpointConcurrency: 2,
  slowAfterMs: 2_000,
  slowMemoryMs: 60_000,
  slotWaitMs: 2_000,
  deferMs: 5_000,
};

const MAX_DEFER_MS = 900_000;

export interface WebhookDispatcherDeps extends Omit<DeliveryDeps, 'config'> {
  config?: Partial<DispatcherConfig>;
}

export type WebhookDispatcherHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createWebhookDispatcherHandler(deps: WebhookDispatcherDeps) {
  const config: DispatcherConfig = { ...DEFAULT_DISPATCHER_CONFIG, ...deps.config };
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noopMetrics;
  const deliveryDeps: DeliveryDeps = { ...deps, config, logger, metrics };
  // Shared by every invocation of this process: locally concurrent batches, in Lambda one at a time.
  const pool = new Semaphore(config.concurrency);
  const gate = new EndpointGate({
    perEndpoint: config.perEndpointConcurrency,
    whenSlow: config.slowEndpointConcurrency,
    slowAfterMs: config.slowAfterMs,
    slowMemoryMs: config.slowMemoryMs,
  });

  async function dispatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const failed = new Set<string>();
    const fail = (record: SQSRecord, what: string, err?: unknown) => {
      failed.add(record.messageId);
      logger.error(`webhook dispatcher: ${what}`, {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        ...(err !== undefined ? { error: err instanceof Error ? { name: err.name, message: err.message } : String(err) } : {}),
      });
    };
    const parsed: Array<{ record: SQSRecord; message: QueueMessage }> = [];
    for (const record of event.Records) {
      const message = parseQueueMessage(record.body);
      if (message) parsed.push({ record, message });
      else fail(record, 'unreadable message (it will reach the dead-letter queue)');
    }

    // One read of the endpoints per batch: a change made through the API applies from the next batch.
    let endpoints: WebhookEndpoint[] = [];
    if (parsed.some((p) => p.message.kind === 'event')) {
      try {
        endpoints = await deps.store.allEndpoints();
      } catch (err) {
        for (const p of parsed) if (p.message.kind === 'event') fail(p.record, 'could not read the webhook endpoints', err);
      }
    }

    /** Hands an attempt to the retry queue unmade (routed away from the events lane, or deferred). */
    const handBack = async (input: DeliveryInput, delayMs: number, why: string, deferrals?: number) => {
      metrics.count('webhook_delivery_handed_back', 1, { why });
      const message = attemptMessage({
        endpointId: input.endpoint.id,
        eventId: input.eventId,
        eventType: input.eventType,
        streamId: input.streamId,
        body: input.body,
        attempt: input.attempt,
        trigger: input.trigger,
      });
      await deps.scheduler.schedule(deferrals ? { ...message, deferrals } : message, delayMs);
    };

    const deliver = async (record: SQSRecord, input: DeliveryInput, lane: 'events' | 'retries', deferrals = 0) => {
      try {
        // The events lane never waits on an endpoint that is failing or slow: its retry lane does.
        if (lane === 'events' && (input.endpoint.failingSince !== undefined || gate.isSlow(input.endpoint.id))) {
          return await handBack(input, 0, 'unhealthy');
        }
        // Not enough time left to finish an attempt: hand it back rather than be cut off mid-send.
        if (context.getRemainingTimeInMillis() < config.timeoutMs + 5_000) return await handBack(input, 0, 'time', deferrals);
        const slot = await gate.acquire(input.endpoint.id, config.slotWaitMs);
        if (!slot) {
          const delay = lane === 'events' ? 0 : Math.min(config.deferMs * 2 ** Math.min(deferrals, 20), MAX_DEFER_MS);
          return await handBack(input, delay, 'busy', deferrals + (lane === 'events' ? 0 : 1));
        }
        try {
          const permit = await pool.acquire();
          try {
            // The gate learns how long the receiver itself takes.
            const sender: WebhookSender = {
              send: async (request) => {
                slot.requestStarted();
                const result = await deps.sender.send(request);
                slot.requestFinished(result.latencyMs, result.error?.code === 'timeout');
                return result;
              },
            };
            await attemptDelivery({ ...deliveryDeps, sender }, input);
          } finally {
            permit?.release();
          }
        } finally {
          slot.release();
        }
      } catch (err) {
        fail(record, 'delivery could not be completed; the message will be received again', err);
      }
    };

    const work: Array<Promise<void>> = [];
    for (const { record, message } of parsed) {
      if (message.kind === 'event') {
        if (failed.has(record.messageId)) continue;
        const detail = message.message.detail;
        for (const endpoint of endpointsFor(endpoints, detail.type)) {
          work.push(deliver(record, { endpoint, eventId: detail.id, eventType: detail.type, streamId: detail.streamId, body: message.body, attempt: 1, trigger: 'event' }, 'events'));
        }
        continue;
      }
      const attempt = message.message;
      work.push(
        (async () => {
          try {
            if (attempt.delayRemainingMs !== undefined && attempt.delayRemainingMs > 0) {
              // One more hop of a long backoff.
              await deps.scheduler.schedule({ ...attempt, delayRemainingMs: 0 }, attempt.delayRemainingMs);
              return;
            }
            const endpoint = await deps.store.getEndpoint(attempt.endpointId);
            if (!endpoint) {
              logger.info('webhook dispatcher: endpoint deleted; attempt dropped', { endpointId: attempt.endpointId, deliveryId: attempt.deliveryId });
              return;
            }
            const input: DeliveryInput = {
              endpoint,
              eventId: attempt.eventId,
              eventType: attempt.eventType,
              streamId: attempt.streamId,
              body: attempt.body,
              attempt: attempt.attempt,
              trigger: attempt.trigger,
            };
            await deliver(record, input, 'retries', attempt.deferrals ?? 0);
          } catch (err) {
            fail(record, 'attempt message could not be processed', err);
          }
        })(),
      );
    }
    await Promise.all(work);
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(batchLogger(logger))
    .handler((event, context) => dispatch(event, context));
}

/** One line per batch (size, failures, time); an unexpected throw is logged and fails the whole batch. */
function batchLogger(logger: Logger): middy.MiddlewareObj<SQSEvent, SQSBatchResponse> {
  const started = new WeakMap<object, number>();
  return {
    name: 'batchLogger',
    before: (request) => {
      started.set(request, performance.now());
    },
    after: (request) => {
      const ms = Math.round(performance.now() - (started.get(request) ?? performance.now()));
      logger.debug('webhook dispatcher: batch done', { records: request.event.Records.length, failed: request.response?.batchItemFailures.length ?? 0, durationMs: ms });
    },
    onError: (request) => {
      logger.error('webhook dispatcher: batch failed', { records: request.event.Records?.length, error: request.error instanceof Error ? request.error.name : 'unknown' });
    },
  };
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: WebhookDispatcherHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildWebhookDispatcherHandler()));
