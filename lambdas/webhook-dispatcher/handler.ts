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
 * This module is the edge only: parse each record, read the endpoints once per batch, and report partial
 * batch failures with Powertools batch (`BatchProcessor` + `processPartialResponse`, records in parallel).
 * The delivery policy — pool, per-endpoint gate, hand-backs and deferrals — is core/webhooks/dispatch.ts;
 * one attempt is core/webhooks/delivery.ts. A record fails (and comes back from its queue) only when the
 * plane could not do its part — a store or queue error — never because a receiver failed: that is an
 * attempt, logged and retried on the schedule. An attempt handed back to the retry queue is a new message
 * there, so its record succeeds. Records that can never parse fail every time and so end in the
 * dead-letter queue.
 *
 * Must never: let a slow endpoint hold the events lane, start an attempt it cannot finish before the
 * invocation times out, or log an endpoint URL or secret.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { noopMetrics } from '../../core/ports/metrics';
import { endpointsFor } from '../../core/webhooks/delivery';
import { createDeliveryDispatcher, type DispatchDeps } from '../../core/webhooks/dispatch';
import type { WebhookEndpoint } from '../../core/webhooks/webhooks';
import { parseQueueMessage } from './schema';
import { coldStartHandler } from '../shared/cold-start';

export type WebhookDispatcherDeps = DispatchDeps;

export type WebhookDispatcherHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createWebhookDispatcherHandler(deps: WebhookDispatcherDeps) {
  const logger = deps.logger ?? silentLogger;
  // Shared by every invocation of this process: locally concurrent batches, in Lambda one at a time.
  const dispatcher = createDeliveryDispatcher({ ...deps, logger, metrics: deps.metrics ?? noopMetrics });

  const logFailure = (record: SQSRecord, what: string, err?: unknown) => {
    logger.error(`webhook dispatcher: ${what}`, {
      messageId: record.messageId,
      receiveCount: record.attributes?.ApproximateReceiveCount,
      ...(err !== undefined ? { error: err instanceof Error ? { name: err.name, message: err.message } : String(err) } : {}),
    });
  };

  /** One invocation's record handler; the endpoints are read once per batch, when its first event needs them. */
  function recordHandler(context: Context): (record: SQSRecord) => Promise<void> {
    // A change made through the API applies from the next batch.
    let endpoints: Promise<WebhookEndpoint[]> | undefined;
    const remainingMs = () => context.getRemainingTimeInMillis();
    return async (record) => {
      const message = parseQueueMessage(record.body);
      if (!message) {
        logFailure(record, 'unreadable message (it will reach the dead-letter queue)');
        throw new RecordFailedError('unreadable message');
      }
      if (message.kind === 'attempt') {
        try {
          await dispatcher.runAttempt(message.message, remainingMs);
          return;
        } catch (err) {
          logFailure(record, 'attempt message could not be processed', err);
          throw new RecordFailedError('attempt message could not be processed');
        }
      }
      let all: WebhookEndpoint[];
      try {
        all = await (endpoints ??= deps.store.allEndpoints());
      } catch (err) {
        logFailure(record, 'could not read the webhook endpoints', err);
        throw new RecordFailedError('could not read the webhook endpoints');
      }
      const { detail } = message.message;
      // Every delivery of the event runs to its end before the record is settled, even when one fails.
      const results = await Promise.allSettled(
        endpointsFor(all, detail.type).map((endpoint) =>
          dispatcher.deliver({
            input: { endpoint, eventId: detail.id, eventType: detail.type, streamId: detail.streamId, body: message.body, attempt: 1, trigger: 'event' },
            lane: 'events',
            remainingMs,
          }),
        ),
      );
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      for (const failure of failures) logFailure(record, 'delivery could not be completed; the message will be received again', failure.reason);
      if (failures.length > 0) throw new RecordFailedError('delivery could not be completed');
    };
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(batchLogger(logger))
    .handler((event, context) =>
      // A processor per invocation: its record lists are per batch, and the local plane runs batches concurrently.
      processPartialResponse(event, recordHandler(context), new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }),
    );
}

/** A record that failed and was already logged; the batch processor only needs to know it failed. */
class RecordFailedError extends Error {
  override readonly name = 'RecordFailedError';
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
