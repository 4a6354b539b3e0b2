/**
 * The simulcast cleanup consumer: EventBridge → SQS → this Lambda deletes every simulcast target (and so
 * its key ciphertext) of a deleted stream (`stream.deleted`). The stream registry does not know about
 * targets; this keeps it that way. A failing record is reported alone (partial batch failure) and retried.
 *
 * Must never: acknowledge a record whose stream still has targets, or log anything of a target but its id.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { silentLogger, type Logger } from '../../core/ports/logger';
import type { SimulcastTargetStore } from '../../core/ports/simulcast-target-store';
import { deleteStreamTargets } from '../../core/relays/stream-targets-cleanup';
export { SIMULCAST_CLEANUP_EVENT_TYPES } from '../../core/relays/stream-targets-cleanup';
import { coldStartHandler } from '../shared/cold-start';
import { parseEventBridgeRecord } from '../shared/eventbridge-record';

export interface SimulcastCleanupDeps {
  targets: Pick<SimulcastTargetStore, 'list' | 'delete'>;
  logger?: Logger;
}

export type SimulcastCleanupHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createSimulcastCleanupHandler(deps: SimulcastCleanupDeps) {
  const logger = deps.logger ?? silentLogger;
  const clean = async (record: SQSRecord): Promise<void> => {
    const parsed = parseEventBridgeRecord(record.body);
    if (!parsed.ok) {
      logger.error('simulcast cleanup: unreadable record', { messageId: record.messageId, problem: parsed.problem });
      throw new Error('unreadable record');
    }
    const { event } = parsed;
    if (event.type !== 'stream.deleted' || !event.streamId) return;
    const deleted = await deleteStreamTargets(deps.targets, event.streamId);
    if (deleted > 0) logger.info('simulcast cleanup: deleted the targets of a deleted stream', { streamId: event.streamId, deleted });
  };
  return middy<SQSEvent, SQSBatchResponse>().handler((event, context) =>
    processPartialResponse(event, clean, new BatchProcessor(EventType.SQS), { context, processInParallel: false, throwOnFullBatchFailure: false }),
  );
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: SimulcastCleanupHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildSimulcastCleanupHandler()));
