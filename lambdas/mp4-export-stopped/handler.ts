/**
 * The MP4 export-stopped Lambda (SQS event source on the export tasks' "Task State Change" inbox,
 * ReportBatchItemFailures): when an export task stops, its export is marked failed with ECS's reason if
 * the task never stored a result (core/recordings/mp4-stranded.ts), so a killed or crashed export does not
 * read `pending`; an export that finished, or was requested again since, is left alone. The local plane
 * runs exports in-process and has no task to lose, so this handler is cloud-only.
 *
 * Must never: acknowledge a record it could not read (the rule only routes export tasks' stops, so one is a
 * format drift: it goes to the dead-letter queue, whose alarm says so) or whose store write failed (it
 * comes back, then is dead-lettered), or log anything but ids.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Clock } from '../../core/ports/clock';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../core/ports/metrics';
import type { RecordingStore } from '../../core/ports/recording-store';
import { failStrandedMp4Export } from '../../core/recordings/mp4-stranded';
import { coldStartHandler } from '../shared/cold-start';
import { logInvocationErrors } from '../shared/log-invocation-errors';
import { parseStoppedExportTask } from './schema';

export interface Mp4ExportStoppedDeps {
  recordings: RecordingStore;
  clock: Clock;
  /** The export container's name in the task definition (its override names the recording). */
  containerName: string;
  logger?: Logger;
  metrics?: Metrics;
}

export type Mp4ExportStoppedHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createMp4ExportStoppedHandler(deps: Mp4ExportStoppedDeps) {
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noopMetrics;

  async function settle(record: SQSRecord): Promise<void> {
    const parsed = parseStoppedExportTask(record.body, deps.containerName);
    if (!parsed.ok) {
      logger.error('mp4 export stopped: unreadable task stop (it will reach the dead-letter queue)', { messageId: record.messageId, problem: parsed.problem });
      metrics.count('mp4_export_stops', 1, { outcome: 'unreadable' });
      throw new UnreadableStopError(parsed.problem);
    }
    const outcome = await failStrandedMp4Export(deps, parsed.task);
    metrics.count('mp4_export_stops', 1, { outcome });
    const fields = { messageId: record.messageId, recordingId: parsed.task.recordingId, taskArn: parsed.taskArn, outcome };
    if (outcome === 'marked-failed') logger.warn('mp4 export stopped without its result: marked failed', { ...fields, exitCode: parsed.task.exitCode });
    else logger.info('mp4 export task stopped', fields);
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(logInvocationErrors({ logger, operation: 'mp4 export stopped batch' }))
    .handler((event, context) => processPartialResponse(event, settle, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false }));
}

/** A record that is not a stopped export task; the batch processor only needs to know it failed. */
class UnreadableStopError extends Error {
  override readonly name = 'UnreadableStopError';
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: Mp4ExportStoppedHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildMp4ExportStoppedHandler()));
