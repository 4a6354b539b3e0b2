/**
 * The body of an SQS record delivered by an EventBridge rule: the EventBridge event, with a plane event
 * envelope in `detail`. Parsed strictly at the edge with Powertools parser pieces (its EventBridge field
 * schema, `JSONStringified` for the JSON body); the envelope's `data` is checked against the catalog only
 * for known types (unknown future types pass through untouched).
 *
 * Kept narrower than Powertools' whole `EventBridgeSchema`/`SqsRecordSchema`: the local plane's bus and
 * queue hand the same handlers only the fields the plane reads (no account, region, resources,
 * receipt handle), and requiring those would refuse every local message without checking anything the
 * plane relies on.
 */
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas';
import { z } from 'zod';
import { EVENT_CATALOG, isEventType, type StreamplaneEvent } from '../../core/events/catalog';
import { isId } from '../../core/ids';

export const EVENT_SOURCE = 'streamplane';

export const planeEventEnvelope = z.object({
  id: z.string().refine((v) => isId('event', v), 'must be an event id'),
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/).max(100),
  version: z.number().int().min(1),
  time: z.iso.datetime(),
  streamId: z.string().max(64).nullable(),
  sessionId: z.string().max(64).optional(),
  sequence: z.number().int().min(0),
  data: z.record(z.string(), z.unknown()),
});

/** An EventBridge event from the plane's own source, as an SQS record body (a JSON string). */
export const planeEventBridgeBody = JSONStringified(
  EventBridgeSchema.pick({ 'detail-type': true })
    .extend({ source: z.literal(EVENT_SOURCE), detail: planeEventEnvelope })
    .loose()
    .refine((e) => e['detail-type'] === e.detail.type, { message: 'detail-type does not match the event type', path: ['detail-type'] })
    .refine((e) => !isEventType(e.detail.type) || EVENT_CATALOG[e.detail.type].data.safeParse(e.detail.data).success, {
      message: 'data does not match the catalog schema of its type',
      path: ['detail', 'data'],
    }),
);

export type ParsedRecord = { ok: true; event: StreamplaneEvent } | { ok: false; problem: string };

export function parseEventBridgeRecord(body: string): ParsedRecord {
  const parsed = planeEventBridgeBody.safeParse(body);
  if (!parsed.success) return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
  return { ok: true, event: parsed.data.detail as StreamplaneEvent };
}
