/**
 * What the recording finalizer's queue carries. Two message shapes, parsed never
 * trusted: the direct request `{ recordingId, streamId, sessionId }` (sent by the ingest after its last
 * upload, by the local plane, by an operator) and the EventBridge `stream.ended` event the cloud's rule
 * routes in (the recording id is derived from its session). Anything else that parses as an event of
 * another type is ignored; anything unreadable is a poison message for the dead-letter queue.
 */
import { z } from 'zod';
import { isId } from '../../core/ids';
import { recordingIdFor } from '../../core/recordings/recording';
import type { FinalizationRequest } from '../../core/recordings/finalize';

export const finalizationMessageSchema = z
  .object({
    recordingId: z.string().refine((v) => isId('recording', v), 'must be a recording id'),
    streamId: z.string().refine((v) => isId('stream', v), 'must be a stream id'),
    sessionId: z.string().refine((v) => isId('session', v), 'must be a session id'),
  })
  .refine((m) => m.recordingId === recordingIdFor(m.sessionId), { message: 'recordingId does not belong to this session', path: ['recordingId'] });

export type FinalizationMessage = z.infer<typeof finalizationMessageSchema>;

const eventBridgeEventSchema = z.looseObject({
  source: z.string(),
  'detail-type': z.string(),
  detail: z.looseObject({
    type: z.string(),
    streamId: z.string().nullable(),
    sessionId: z.string().optional(),
  }),
});

export type ParsedRecord = { kind: 'finalize'; request: FinalizationRequest } | { kind: 'ignore'; reason: string };

/** One queue record's body; undefined for a message that can never be processed (it will be dead-lettered). */
export function parseFinalizerRecord(body: string): ParsedRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  if ('detail' in raw) {
    const event = eventBridgeEventSchema.safeParse(raw);
    if (!event.success) return undefined;
    const { detail } = event.data;
    if (detail.type !== 'stream.ended') return { kind: 'ignore', reason: `event type ${detail.type.slice(0, 60)}` };
    if (detail.sessionId === undefined) return { kind: 'ignore', reason: 'stream.ended without a session' };
    if (!isId('stream', detail.streamId) || !isId('session', detail.sessionId)) return undefined;
    return { kind: 'finalize', request: { recordingId: recordingIdFor(detail.sessionId), streamId: detail.streamId, sessionId: detail.sessionId } };
  }
  const direct = finalizationMessageSchema.safeParse(raw);
  return direct.success ? { kind: 'finalize', request: direct.data } : undefined;
}
