/**
 * The recording retention Lambda (a daily EventBridge schedule): deletes the recordings past
 * `RECORDING_RETENTION_DAYS` — their objects under `recordings/<id>/` and their record — through the use
 * case the local plane's sweeper and the API's delete share (core/recordings/lifecycle.ts), so a recording
 * still being written or finalized is never touched and the API stops listing what is gone.
 *
 * One run is a bounded batch: it looks at no more than `maxRecordingsPerRun` recordings and starts on no
 * new page once less than `stopBeforeTimeoutMs` of the invocation is left. Whatever it left stays at the
 * head of the settled index (oldest first), where the next run starts again; the S3 lifecycle rule on
 * `recordings/` is only a backstop behind this. The sweep emits no events, so there is no publisher.
 *
 * Must never: delete a recording before its retention, or log anything but ids and counts.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { Clock } from '../../core/ports/clock';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../core/ports/metrics';
import type { ObjectStore } from '../../core/ports/object-store';
import type { RecordingStore } from '../../core/ports/recording-store';
import { sweepRecordingRetention } from '../../core/recordings/retention';
import { logInvocationErrors } from '../shared/log-invocation-errors';
import { describeError } from '../shared/redact';
import { coldStartHandler } from '../shared/cold-start';

export interface RecordingRetentionDeps {
  recordings: RecordingStore;
  objectStore: ObjectStore;
  clock: Clock;
  /** Days a recording is kept after it was created (at least 1: with 0 the function is not deployed). */
  retentionDays: number;
  logger?: Logger;
  metrics?: Metrics;
  /** Recordings one run looks at, at most. @default 2000 */
  maxRecordingsPerRun?: number;
  /** No new page is read once less than this is left before the timeout. @default 120 000 (2 min) */
  stopBeforeTimeoutMs?: number;
  /**
   * Recordings per page of the settled index. The time left is checked between pages, so one page is
   * the most a run can overshoot its margin by: one recording per page keeps that to a single recording
   * (a long one deletes thousands of objects) for one extra index query each. @default 1
   */
  pageSize?: number;
}

/** What one run did; `stoppedBy` is set when it left expired recordings for the next run. */
export interface RecordingRetentionResult {
  deleted: number;
  failed: number;
  stoppedBy?: 'limit' | 'time';
}

export type RecordingRetentionHandler = (event: unknown, context: Context) => Promise<RecordingRetentionResult>;

/** The EventBridge schedule's event; nothing else invokes this function. */
export const scheduledEventSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.string(),
});

const DEFAULT_MAX_RECORDINGS_PER_RUN = 2000;
const DEFAULT_STOP_BEFORE_TIMEOUT_MS = 120_000;

/** Validates the raw event once; anything but the schedule fails the invocation before the sweep. */
function parseEvent<S extends z.ZodType>(schema: S): MiddlewareObj<unknown, unknown> {
  return {
    before: (request) => {
      request.event = schema.parse(request.event);
    },
  };
}

export function createRecordingRetentionHandler(deps: RecordingRetentionDeps) {
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noopMetrics;
  const maxRecordings = deps.maxRecordingsPerRun ?? DEFAULT_MAX_RECORDINGS_PER_RUN;
  const stopBeforeTimeoutMs = deps.stopBeforeTimeoutMs ?? DEFAULT_STOP_BEFORE_TIMEOUT_MS;
  const pageSize = deps.pageSize ?? 1;
  if (!(Number.isInteger(deps.retentionDays) && deps.retentionDays >= 1)) throw new RangeError(`retentionDays must be a whole number of days of at least 1, got ${deps.retentionDays}`);
  if (!(Number.isInteger(maxRecordings) && maxRecordings >= 1)) throw new RangeError(`maxRecordingsPerRun must be a positive whole number, got ${maxRecordings}`);
  if (!(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 1000)) throw new RangeError(`pageSize must be a whole number from 1 to 1000, got ${pageSize}`);

  async function sweep(context: Context): Promise<RecordingRetentionResult> {
    const result: RecordingRetentionResult = { deleted: 0, failed: 0 };
    let looked = 0;
    // The sweep reads the settled index page by page until it has no cursor left; refusing the next page
    // (an empty page without a cursor) is how a run ends early without the use case knowing about Lambda.
    const listSettledCreatedBefore: RecordingStore['listSettledCreatedBefore'] = async (before, options) => {
      if (looked >= maxRecordings) result.stoppedBy = 'limit';
      else if (context.getRemainingTimeInMillis() < stopBeforeTimeoutMs) result.stoppedBy = 'time';
      if (result.stoppedBy) return { items: [] };
      const page = await deps.recordings.listSettledCreatedBefore(before, { ...options, limit: Math.min(options.limit, maxRecordings - looked) });
      looked += page.items.length;
      return page;
    };
    const recordings: RecordingStore = {
      create: (recording) => deps.recordings.create(recording),
      get: (id) => deps.recordings.get(id),
      put: (next, condition) => deps.recordings.put(next, condition),
      delete: (id, condition) => deps.recordings.delete(id, condition),
      listByStream: (streamId, options) => deps.recordings.listByStream(streamId, options),
      listUnsettled: (options) => deps.recordings.listUnsettled(options),
      listSettledCreatedBefore,
    };
    const deleted = await sweepRecordingRetention(
      { recordings, objectStore: deps.objectStore, clock: deps.clock },
      { retentionDays: deps.retentionDays },
      {
        pageSize,
        onError: (recordingId, err) => {
          result.failed++;
          logger.warn('recording retention: could not delete a recording; the next run tries again', { recordingId, error: describeError(err) });
        },
      },
    );
    result.deleted = deleted.length;
    metrics.count('recordings_expired_deleted', result.deleted);
    if (result.failed > 0) metrics.count('recordings_expired_delete_failures', result.failed);
    const summary = { deleted: result.deleted, failed: result.failed, retentionDays: deps.retentionDays, ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}) };
    if (result.failed > 0) logger.error('recording retention: swept, some recordings could not be deleted', summary);
    else logger.info(result.stoppedBy ? 'recording retention: swept a batch; the next run continues' : 'recording retention: swept', summary);
    return result;
  }

  return middy<unknown, RecordingRetentionResult>()
    .use(logInvocationErrors({ logger, operation: 'recording retention sweep' }))
    .use(parseEvent(scheduledEventSchema))
    .handler((_event, context) => sweep(context));
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: RecordingRetentionHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildRecordingRetentionHandler()));
