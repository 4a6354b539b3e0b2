/**
 * The registry's event consumer (cloud only): EventBridge → SQS → this Lambda appends every plane event
 * to the event log, which backs `GET /v1/events`. Locally the in-process bus appends directly. Appends are
 * idempotent on the event id, so SQS redeliveries and duplicates are harmless; a record that fails is
 * reported alone (partial batch failure) and one that can never parse goes to the dead-letter queue.
 */
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { EventLog } from '../../core/ports/event-bus';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { parseEventBridgeRecord } from '../shared/eventbridge-record';
import { coldStartHandler } from '../shared/cold-start';

export interface EventConsumerDeps {
  eventLog: EventLog;
  logger?: Logger;
}

export type EventConsumerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createEventConsumerHandler(deps: EventConsumerDeps) {
  const logger = deps.logger ?? silentLogger;
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const parsed = parseEventBridgeRecord(record.body);
      if (!parsed.ok) {
        // Retrying cannot fix it: let the queue move it to the dead-letter queue after maxReceiveCount.
        logger.error('event consumer: unreadable record', { messageId: record.messageId, problem: parsed.problem });
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        await deps.eventLog.append(parsed.event);
      } catch (err) {
        logger.warn('event consumer: append failed, will retry', { messageId: record.messageId, eventId: parsed.event.id, error: err instanceof Error ? err.message : String(err) });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: EventConsumerHandler = coldStartHandler(() => import('./event-consumer-deps').then((m) => m.buildEventConsumerHandler()));
