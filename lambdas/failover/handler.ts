/**
 * The failover function. Two triggers, one thin chain: ECS "Task State Change" (STOPPED) events of the
 * ingest service arrive through an SQS queue (with a dead-letter queue) and recover that task's streams;
 * a schedule sweeps stale heartbeats and enforces due reconnect deadlines. The use cases live in
 * core/streams/failover.ts; this file parses, calls them, logs and counts what happened, and reports failed
 * records (Powertools batch) so only those are retried.
 *
 * Must never: acknowledge a record whose recovery was incomplete (it is retried, then dead-lettered).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import type { z } from 'zod';
import { recoverLostTask, sweepIngestTasks, type FailoverDeps, type FailoverSettings, type LostTaskReport } from '../../core/streams/failover';
import { coldStartHandler } from '../shared/cold-start';
import { ecsTaskStateChangeBody, failoverEventSchema, taskIdOf, type FailoverEvent } from './schema';

type TaskRecord = Extract<FailoverEvent, { Records: unknown }>['Records'][number];

export interface FailoverHandlerDeps {
  failover: FailoverDeps;
  settings: FailoverSettings;
  logger: Logger;
  metrics: Metrics;
}

export interface SweepResult {
  lostTasks: number;
  expired: number;
  failures: number;
}

export type FailoverResult = SQSBatchResponse | SweepResult;

/** Validates the raw event once; a malformed one fails the invocation instead of reaching a use case. */
function parseEvent<S extends z.ZodType>(schema: S): MiddlewareObj<unknown, unknown> {
  return {
    before: (request) => {
      request.event = schema.parse(request.event);
    },
  };
}

export function createFailoverHandler(deps: FailoverHandlerDeps) {
  const { logger, metrics } = deps;

  const reportLostTask = (report: LostTaskReport): void => {
    const count = (outcome: string) => report.streams.filter((s) => s.outcome === outcome).length;
    const interrupted = count('interrupted');
    const ended = count('ended');
    const failed = report.streams.filter((s) => s.outcome === 'failed');
    if (report.status === 'recovered' || report.status === 'incomplete') metrics.addMetric('ingest_tasks_lost', MetricUnit.Count, 1);
    if (interrupted) metrics.addMetric('failover_streams_interrupted', MetricUnit.Count, interrupted);
    if (ended) metrics.addMetric('failover_sessions_ended', MetricUnit.Count, ended);
    const handed = count('handed_to_standby');
    if (handed) metrics.addMetric('failover_backup_takeovers', MetricUnit.Count, handed);
    if (failed.length) metrics.addMetric('failover_stream_failures', MetricUnit.Count, failed.length);
    const summary = { taskId: report.taskId, cause: report.cause, status: report.status, streams: report.streams.map(({ streamId, outcome }) => ({ streamId, outcome })) };
    if (report.status === 'incomplete') logger.error('failover incomplete; will retry', { ...summary, errors: failed.map((f) => ('error' in f ? f.error : undefined)), error: report.error });
    else if (report.status === 'recovered') logger.warn('ingest task lost; streams recovered', summary);
    else logger.info('nothing to recover for task', summary);
  };

  // One record after the other, as before: recoveries of two lost tasks never race on a stream.

  const onTaskRecord = async (record: TaskRecord): Promise<void> => {
    let recovered: LostTaskReport | undefined;
    try {
      const change = ecsTaskStateChangeBody.parse(record.body);
      if (change.detail.lastStatus !== 'STOPPED') {
        logger.debug('ignoring task state change', { taskArn: change.detail.taskArn, lastStatus: change.detail.lastStatus });
        return;
      }
      recovered = await recoverLostTask(deps.failover, taskIdOf(change), 'task_stopped', deps.settings);
      reportLostTask(recovered);
    } catch (error) {
      logger.error('could not handle task state change record', { messageId: record.messageId, error: error as Error });
      throw error;
    }
    if (recovered.status === 'incomplete') throw new Error('failover incomplete');
  };

  const onTaskEvents = async (records: TaskRecord[]): Promise<SQSBatchResponse> => {
    metrics.addMetric('failover_task_events', MetricUnit.Count, records.length);
    return processPartialResponse({ Records: records }, onTaskRecord, new BatchProcessor(EventType.SQS), { processInParallel: false, throwOnFullBatchFailure: false });
  };

  const onSchedule = async (): Promise<SweepResult> => {
    // Counted every run: a missing datapoint means the sweep itself stopped running.
    metrics.addMetric('failover_sweeps', MetricUnit.Count, 1);
    const { lostTasks, expiries } = await sweepIngestTasks(deps.failover, deps.settings);
    for (const report of lostTasks) reportLostTask(report);
    const ended = expiries.filter((e) => e.outcome === 'ended');
    const failedExpiries = expiries.filter((e) => e.outcome === 'failed');
    if (ended.length) {
      metrics.addMetric('failover_sessions_ended', MetricUnit.Count, ended.length);
      logger.info('reconnect windows expired; sessions ended', { streamIds: ended.map((e) => e.streamId) });
    }
    if (failedExpiries.length) logger.error('ending expired sessions failed; will retry', { failures: failedExpiries.map((e) => ({ streamId: e.streamId, error: e.error })) });
    const failures = failedExpiries.length + lostTasks.filter((t) => t.status === 'incomplete').length;
    return { lostTasks: lostTasks.filter((t) => t.status === 'recovered' || t.status === 'incomplete').length, expired: ended.length, failures };
  };

  return middy<unknown, FailoverResult>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(parseEvent(failoverEventSchema))
    .handler(async (raw) => {
      const event = raw as FailoverEvent;
      return 'Records' in event ? onTaskEvents(event.Records) : onSchedule();
    });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: (event: unknown, context: Context) => Promise<FailoverResult> = coldStartHandler(() =>
  import('./cloud-deps').then((m) => m.buildFailoverHandler()),
);
