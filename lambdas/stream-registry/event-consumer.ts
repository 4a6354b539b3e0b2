/**
 * The registry's event consumer (cloud only): EventBridge → SQS → this Lambda appends every plane event
 * to the event log, which backs `GET /v1/events`. Locally the in-process bus appends directly. Appends are
 * idempotent on the event id, so SQS redeliveries and duplicates are harmless; a record that fails is
 * reported alone (Powertools batch: partial batch failure) and one that can never parse goes to the
 * dead-letter queue. Session events also update the session record (`GET /v1/sessions/{id}`), and
 * `output.changed` the stream's `output`.
 * Must never: acknowledge a record whose event did not reach the log.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventLog } from '../../core/ports/event-bus';
import type { SessionStore } from '../../core/ports/monitoring-stores';
import { projectSessionEvent } from '../../core/sessions/session';
import { projectOutputEvent } from '../../core/channels/output-projection';
import { systemClock } from '../../core/ports/clock';
import type { StreamStore } from '../../core/ports/stream-store';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../core/ports/metrics';
import { coldStartHandler } from '../shared/cold-start';
import { parseEventBridgeRecord } from '../shared/eventbridge-record';

export interface EventConsumerDeps {
  eventLog: EventLog;
  /** Session records are a projection of session events (idempotent on the event id). */
  sessions?: SessionStore;
  /** The stream's `output` is a projection of `output.changed` (ignores redelivered older events). */
  streams?: StreamStore;
  logger?: Logger;
  metrics?: Metrics;
}

export type EventConsumerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** A record that failed and was already logged; the batch processor only needs to know it failed. */
class RecordFailedError extends Error {
  override readonly name = 'RecordFailedError';
}

export function createEventConsumerHandler(deps: EventConsumerDeps) {
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noopMetrics;
  // One after the other, as before: the log's appends stay in queue order within a batch.

  const appendRecord = async (record: SQSRecord): Promise<void> => {
    const parsed = parseEventBridgeRecord(record.body);
    if (!parsed.ok) {
      // Retrying cannot fix it: let the queue move it to the dead-letter queue after maxReceiveCount.
      logger.error('event consumer: unreadable record', { messageId: record.messageId, problem: parsed.problem });
      metrics.count('registry_events_unreadable');
      throw new RecordFailedError('unreadable record');
    }
    try {
      await deps.eventLog.append(parsed.event);
      metrics.count('registry_events_appended');
      if (deps.sessions) await projectSessionEvent({ sessions: deps.sessions }, parsed.event);
      if (deps.streams) await projectOutputEvent({ store: deps.streams, clock: systemClock }, parsed.event);
    } catch (err) {
      logger.warn('event consumer: append failed, will retry', { messageId: record.messageId, eventId: parsed.event.id, error: err instanceof Error ? err.message : String(err) });
      throw new RecordFailedError('append failed', { cause: err });
    }
  };

  return middy<SQSEvent, SQSBatchResponse>().handler((event, context) =>
    // A batch that failed whole is still reported record by record (the queue retries each), not thrown.
    // One processor per invocation: it keeps the batch's records as state, and the local queue runs batches concurrently.
    processPartialResponse(event, appendRecord, new BatchProcessor(EventType.SQS), { context, processInParallel: false, throwOnFullBatchFailure: false }),
  );
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: EventConsumerHandler = coldStartHandler(() => import('./event-consumer-deps').then((m) => m.buildEventConsumerHandler()));
