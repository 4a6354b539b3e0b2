/**
 * The channel-jobs Lambda: the producer of 24/7 channel jobs in the cloud (core/channels/channel-job-producer.ts).
 * Its inbox (an EventConsumer queue) carries the events after which a channel may have no player; a
 * schedule invokes it for a sweep of every stream with a fallback. SQS batches report partial failures
 * (Powertools batch); unreadable records fail and reach the dead-letter queue.
 * Must never: send anything but channel jobs, or log more than ids.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { offerChannelJob, sweepChannelJobs, triggerReason, type ChannelJobProducerDeps } from '../../core/channels/channel-job-producer';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { coldStartHandler } from '../shared/cold-start';
import { parseEventBridgeRecord } from '../shared/eventbridge-record';
import { logInvocationErrors } from '../shared/log-invocation-errors';
import { describeError } from '../shared/redact';
import { parseInvocation } from './schema';

export interface ChannelJobsDeps extends ChannelJobProducerDeps {
  logger?: Logger;
}

export type ChannelJobsResult = SQSBatchResponse | { swept: number };
export type ChannelJobsHandler = (event: unknown, context: Context) => Promise<ChannelJobsResult>;

export function createChannelJobsHandler(deps: ChannelJobsDeps) {
  const logger = deps.logger ?? silentLogger;
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const parsed = parseEventBridgeRecord(record.body);
    if (!parsed.ok) {
      logger.error('channel jobs: unreadable message (it will reach the dead-letter queue)', { messageId: record.messageId });
      throw new Error('unreadable message');
    }
    const reason = triggerReason(parsed.event.type);
    if (!reason || !parsed.event.streamId) return;
    try {
      if (await offerChannelJob(deps, parsed.event.streamId, reason)) logger.info('channel jobs: queued a job', { streamId: parsed.event.streamId, reason });
    } catch (err) {
      logger.error('channel jobs: could not offer a job; the message will be received again', { streamId: parsed.event.streamId, error: describeError(err) });
      throw err;
    }
  };
  return middy<unknown, ChannelJobsResult>()
    .use(logInvocationErrors({ logger, operation: 'channel jobs' }))
    .handler(async (event, context) => {
      const invocation = parseInvocation(event);
      if (!invocation) throw new Error('channel jobs: neither an SQS batch nor the scheduled sweep');
      if (invocation.kind === 'sweep') {
        const swept = await sweepChannelJobs(deps);
        if (swept > 0) logger.info('channel jobs: the sweep queued jobs', { swept });
        return { swept };
      }
      return processPartialResponse(invocation.event, recordHandler, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
    });
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: ChannelJobsHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildChannelJobsHandler()));
