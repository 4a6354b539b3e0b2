/**
 * The body of an SQS record delivered by an EventBridge rule: the EventBridge event, with a plane event
 * envelope in `detail`. Parsed strictly at the edge; the envelope's `data` is checked against the
 * catalog only for known types (unknown future types pass through untouched).
 */
import { z } from 'zod';
import { EVENT_CATALOG, isEventType, type StreamplaneEvent } from '../../core/events/catalog';
import { isId } from '../../core/ids';

export const EVENT_SOURCE = 'streamplane';

const envelope = z.object({
  id: z.string().refine((v) => isId('event', v), 'must be an event id'),
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/).max(100),
  version: z.number().int().min(1),
  time: z.iso.datetime(),
  streamId: z.string().max(64).nullable(),
  sessionId: z.string().max(64).optional(),
  sequence: z.number().int().min(0),
  data: z.record(z.string(), z.unknown()),
});

const eventBridgeEvent = z.looseObject({
  'detail-type': z.string(),
  source: z.literal(EVENT_SOURCE),
  detail: envelope,
});

export type ParsedRecord = { ok: true; event: StreamplaneEvent } | { ok: false; problem: string };

export function parseEventBridgeRecord(body: string): ParsedRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'body is not JSON' };
  }
  const parsed = eventBridgeEvent.safeParse(raw);
  if (!parsed.success) return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const detail = parsed.data.detail;
  if (parsed.data['detail-type'] !== detail.type) return { ok: false, problem: 'detail-type does not match the event type' };
  if (isEventType(detail.type) && !EVENT_CATALOG[detail.type].data.safeParse(detail.data).success) {
    return { ok: false, problem: `data does not match the catalog schema of ${detail.type}` };
  }
  return { ok: true, event: detail as StreamplaneEvent };
}
