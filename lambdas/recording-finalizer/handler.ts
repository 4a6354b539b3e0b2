/**
 * The recording finalizer Lambda (SQS event source, ReportBatchItemFailures); the local plane feeds the
 * same handler from its in-process queue. Each record names one recording (directly, or as the
 * `stream.ended` event of its session); the use case in core/recordings/lifecycle.ts does the work and is
 * idempotent, so duplicates and reordering are harmless. Records of one recording in a batch run one
 * after the other; different recordings run side by side.
 *
 * Partial batch failures are reported with Powertools batch (`BatchProcessor` + `processPartialResponse`).
 * A record fails (and comes back later) when the plane could not do its part — a store error — or when
 * another worker holds the recording's final event. On its last receive a failing recording is marked
 * failed (`recording.failed`, retryable: a redriven message retries it) and the message goes on to the
 * dead-letter queue. Unreadable records fail every time, so they end in the dead-letter queue too.
 *
 * Must never: acknowledge a record whose finalization did not complete, or log anything but ids.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { silentLogger } from '../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../core/ports/metrics';
import { failRecording, finalizeRecording, type FinalizeDeps, type FinalizationRequest } from '../../core/recordings/finalize';
import { logInvocationErrors } from '../shared/log-invocation-errors';
import { describeError } from '../shared/redact';
import { parseFinalizerRecord } from './schema';
import { coldStartHandler } from '../shared/cold-start';

export interface RecordingFinalizerDeps extends FinalizeDeps {
  /** The queue's maxReceiveCount (receives before the dead-letter queue). Default 5. */
  maxReceiveCount?: number;
  metrics?: Metrics;
}

export type RecordingFinalizerHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createRecordingFinalizerHandler(deps: RecordingFinalizerDeps) {
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noopMetrics;
  const maxReceiveCount = deps.maxReceiveCount ?? 5;

  async function finalizeOne(record: SQSRecord, request: FinalizationRequest): Promise<boolean> {
    const fields = { messageId: record.messageId, recordingId: request.recordingId, streamId: request.streamId };
    try {
      const { outcome } = await finalizeRecording(deps, request);
      metrics.count('recording_finalizations', 1, { outcome });
      if (outcome === 'busy') {
        logger.info('recording finalizer: another worker is announcing this recording; will look again', fields);
        return false;
      }
      const level = outcome === 'ready' || outcome === 'failed' || outcome === 'repaired' || outcome === 'announced' ? 'info' : 'debug';
      logger[level](`recording finalizer: ${outcome}`, fields);
      return true;
    } catch (err) {
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
      logger.error('recording finalizer: finalization failed; the message will be received again', { ...fields, receiveCount, error: describeError(err) });
      if (receiveCount >= maxReceiveCount) {
        const code = (err as { code?: unknown; name?: unknown })?.code ?? (err as { name?: unknown })?.name ?? 'error';
        try {
          await failRecording(deps, request.recordingId, { reason: `finalization failed (${String(code).slice(0, 60)})`, retryable: true });
        } catch (failErr) {
          logger.error('recording finalizer: could not mark the recording failed', { ...fields, error: describeError(failErr) });
        }
      }
      return false;
    }
  }


  /** One invocation's record handler: records of one recording run in order, one after the other. */
  function recordHandler(): (record: SQSRecord) => Promise<void> {
    const tails = new Map<string, Promise<unknown>>();
    return async (record) => {
      const parsed = parseFinalizerRecord(record.body);
      if (!parsed) {
        logger.error('recording finalizer: unreadable message (it will reach the dead-letter queue)', { messageId: record.messageId });
        throw new RecordFailedError('unreadable message');
      }
      if (parsed.kind === 'ignore') {
        logger.debug('recording finalizer: ignoring message', { messageId: record.messageId, reason: parsed.reason });
        return;
      }
      const { recordingId } = parsed.request;
      const previous = tails.get(recordingId) ?? Promise.resolve();
      const mine = previous.then(() => finalizeOne(record, parsed.request));
      tails.set(recordingId, mine.catch(() => undefined));
      if (!(await mine)) throw new RecordFailedError('finalization did not complete');
    };
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(logInvocationErrors({ logger, operation: 'recording finalizer batch' }))
    // One processor per invocation: it keeps the batch's records as state, and the local queue runs batches concurrently.
    .handler((event, context) => processPartialResponse(event, recordHandler(), new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }));
}

/** A record that failed and was already logged; the batch processor only needs to know it failed. */
class RecordFailedError extends Error {
  override readonly name = 'RecordFailedError';
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: RecordingFinalizerHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildRecordingFinalizerHandler()));
