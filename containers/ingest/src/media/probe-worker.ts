/**
 * The media probe worker: SQS records holding S3 event notifications (`ObjectCreated` of a
 * `media/<id>/source` key) become `settleUpload` calls — probe, then `ready` or `failed` with the bytes
 * deleted. Runs where ffprobe is: the ingest tasks in the cloud (ffprobe is not in Lambda), the plane
 * locally (its upload route sends the same notification shape to an in-process queue).
 * Reports partial batch failures, so one bad file does not hold back the others; a message that keeps
 * failing lands in the queue's dead-letter queue (alarmed in the cloud).
 * Must never: settle a key outside the media library, or fail a batch for a message it cannot use.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { settleUpload, type SettleDeps } from '../../../../core/media-library/library';
import { parseLibraryObjectKey } from '../../../../core/media/layout';
import { silentLogger, type Logger } from '../../../../core/ports/logger';

export interface ProbeWorkerDeps extends SettleDeps {
  /** Folder of the bucket the object store lives in (stripped from event keys). @default '' */
  keyPrefix?: string;
  logger?: Logger;
}

/** S3's EventBridge event ("Object Created"), as the cloud's rule delivers it to the probe queue. */
const objectCreatedEvent = z.object({
  'detail-type': z.literal('Object Created'),
  detail: z.object({ object: z.object({ key: z.string(), size: z.number().int().nonnegative().optional() }) }),
});

/** An S3 event notification (the shape the local upload route sends, and S3's direct notifications). */
const notification = z.object({
  Records: z
    .array(
      z.object({
        eventName: z.string(),
        s3: z.object({ object: z.object({ key: z.string(), size: z.number().int().nonnegative().optional() }) }),
      }),
    )
    .optional(),
});

/** An S3 event notification for one stored library object (what the local upload route enqueues). */
export function objectCreatedMessage(key: string, size: number): string {
  return JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size } } }] });
}

export function createMediaProbeConsumer(deps: ProbeWorkerDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const logger = deps.logger ?? silentLogger;
  const prefix = deps.keyPrefix ?? '';
  return async (event) => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        let body: unknown;
        try {
          body = JSON.parse(record.body);
        } catch {
          logger.warn('media probe: dropped a message that is not JSON', { messageId: record.messageId });
          continue;
        }
        const objects = createdObjects(body);
        if (!objects) {
          logger.warn('media probe: dropped a message that is not an S3 notification', { messageId: record.messageId });
          continue;
        }
        for (const entry of objects) {
          const key = decodeURIComponent(entry.key.replace(/\+/g, ' '));
          const mediaId = key.startsWith(prefix) ? parseLibraryObjectKey(key.slice(prefix.length)) : undefined;
          if (!mediaId) {
            logger.warn('media probe: ignored an object outside the media library', { messageId: record.messageId });
            continue;
          }
          const result = await settleUpload(deps, { mediaId, bytes: entry.size ?? 0 });
          logger.info('media probe: settled', { mediaId, status: result.status, ...(result.status === 'skipped' ? { reason: result.reason } : {}) });
        }
      } catch (err) {
        logger.error('media probe: failed; the message will be retried', { messageId: record.messageId, error: err instanceof Error ? err : String(err) });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

/** The objects a message says were created (either shape), or undefined for anything else. */
function createdObjects(body: unknown): Array<{ key: string; size?: number | undefined }> | undefined {
  const event = objectCreatedEvent.safeParse(body);
  if (event.success) return [event.data.detail.object];
  const parsed = notification.safeParse(body);
  if (!parsed.success) return undefined;
  // `s3:TestEvent` and other shapes carry no Records.
  return (parsed.data.Records ?? []).filter((r) => r.eventName.startsWith('ObjectCreated:')).map((r) => r.s3.object);
}
