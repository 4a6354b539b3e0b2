/**
 * The playback edge sync (cloud only): EventBridge → SQS → this Lambda keeps the CloudFront
 * KeyValueStore's `p:<id>` entries (which streams and recordings are signed) in step with the registry.
 * On `stream.created`, `stream.updated` and `recording.started` it reads the current record (so
 * out-of-order or duplicate messages converge on the truth) and sets or clears the entry; on
 * `stream.deleted` it clears it. A failing record is reported alone (partial batch failure).
 *
 * Must never acknowledge a record whose change did not reach the store.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { PlaybackPolicy } from '../../core/playback/playback-access';
export { EDGE_SYNC_EVENT_TYPES } from '../../core/playback/edge-sync-events';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { coldStartHandler } from '../shared/cold-start';
import { parseEventBridgeRecord } from '../shared/eventbridge-record';

export interface PlaybackEdgeSyncDeps {
  streamPolicy(streamId: string): Promise<PlaybackPolicy | undefined>;
  recordingPolicy(recordingId: string): Promise<PlaybackPolicy | undefined>;
  setPolicy(id: string, signed: boolean): Promise<void>;
  logger?: Logger;
}

export type PlaybackEdgeSyncHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createPlaybackEdgeSyncHandler(deps: PlaybackEdgeSyncDeps) {
  const logger = deps.logger ?? silentLogger;
  const sync = async (record: SQSRecord): Promise<void> => {
    const parsed = parseEventBridgeRecord(record.body);
    if (!parsed.ok) {
      logger.error('playback edge sync: unreadable record', { messageId: record.messageId, problem: parsed.problem });
      throw new Error('unreadable record');
    }
    const event = parsed.event;
    if (!event.streamId) return;
    if (event.type === 'stream.deleted') return deps.setPolicy(event.streamId, false);
    if (event.type === 'recording.started') {
      const recordingId = (event.data as { recordingId?: unknown }).recordingId;
      if (typeof recordingId !== 'string') return;
      return deps.setPolicy(recordingId, (await deps.recordingPolicy(recordingId)) === 'signed');
    }
    if (event.type === 'stream.created' || event.type === 'stream.updated') return deps.setPolicy(event.streamId, (await deps.streamPolicy(event.streamId)) === 'signed');
  };
  return middy<SQSEvent, SQSBatchResponse>().handler((event, context) =>
    processPartialResponse(event, sync, new BatchProcessor(EventType.SQS), { context, processInParallel: false, throwOnFullBatchFailure: false }),
  );
}

/** AWS entry point (built on first use; a failed cold start is retried). */
export const handler: PlaybackEdgeSyncHandler = coldStartHandler(() => import('./cloud-deps').then((m) => m.buildPlaybackEdgeSyncHandler()));
