/**
 * The MP4 export dispatcher Lambda (SQS event source on the export queue, ReportBatchItemFailures): each
 * `{ recordingId }` job becomes one Fargate task of the export task definition (ecs:RunTask), so exports
 * run beside, never on, the live ingest tasks. The local plane runs the export in-process instead
 * (local/recordings-wiring.ts), so this handler is cloud-only.
 *
 * A job whose task would not start (RunTask throttled, no Fargate capacity) fails and comes back; on its
 * last receive the recording's export is marked failed, so the user sees it and may ask again, and the
 * message goes on to the dead-letter queue. The message id is RunTask's client token: a redelivery after a
 * successful start starts no second task.
 *
 * Must never: acknowledge a job no task was started for (unless its failure is stored), or log anything but ids.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Clock } from '../../core/ports/clock';
import type { ExportTaskLauncher } from '../../core/ports/export-tasks';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../core/ports/metrics';
import type { RecordingStore } from '../../core/ports/recording-store';
import { completeMp4Export } from '../../core/recordings/mp4-requests';
import { coldStartHandler } from '../shared/cold-start';
import { logInvocationErrors } from '../shared/log-invocation-errors';
import { describeError } from '../shared/redact';
import { parseExportJob } from './schema';

export interface Mp4ExportDispatchDeps {
  tasks: ExportTaskLauncher;
  recordings: RecordingStore;
  clock: Clock;
  /** The queue's maxReceiveCount. Default 3. */
  maxReceiveCount?: number;
  logger?: Logger;
  metrics?: Metrics;
}

export type Mp4ExportDispatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createMp4ExportDispatchHandler(deps: Mp4ExportDispatchDeps) {
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noopMetrics;
  const maxReceiveCount = deps.maxReceiveCount ?? 3;

  async function dispatch(record: SQSRecord): Promise<void> {
    const job = parseExportJob(record.body);
    if (!job) {
      logger.error('mp4 export dispatch: unreadable job (it will reach the dead-letter queue)', { messageId: record.messageId });
      throw new JobFailedError('unreadable job');
    }
    const fields = { messageId: record.messageId, recordingId: job.recordingId };
    try {
      const { taskArn } = await deps.tasks.launch(job.recordingId, record.messageId);
      metrics.count('mp4_export_tasks', 1, { outcome: 'started' });
      logger.info('mp4 export dispatch: export task started', { ...fields, taskArn });
    } catch (err) {
      metrics.count('mp4_export_tasks', 1, { outcome: 'not_started' });
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1');
      logger.error('mp4 export dispatch: no export task started; the job will be received again', { ...fields, receiveCount, error: describeError(err) });
      if (receiveCount >= maxReceiveCount) {
        try {
          await completeMp4Export(deps, job.recordingId, { status: 'failed', error: 'the export task could not be started' });
          return;
        } catch (storeErr) {
          logger.error('mp4 export dispatch: could not mark the export failed', { ...fields, error: describeError(storeErr) });
        }
      }
      throw new JobFailedError('no task started');
    }
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(logInvocationErrors({ logger, operation: 'mp4 export dispatch batch' }))
    .handler((event, context) => processPartialResponse(event, dispatch, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }));
}

/** A job that failed and was already logged; the batch processor only needs to know it failed. */
class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: Mp4ExportDispatchHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildMp4ExportDispatchHandler()));
