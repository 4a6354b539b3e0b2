/**
 * What the webhook dispatcher's queue carries: EventBridge events (rule target, the event envelope in
 * `detail`) and the dispatcher's own attempt messages (retries, manual redeliveries, redriven dead
 * letters). Parsed, never trusted, with Powertools' `JSONStringified` helper and zod: anything else is a
 * poison message for the queue's dead-letter queue.
 *
 * The envelope schema stays the dispatcher's own, looser than lambdas/shared/eventbridge-record.ts (no
 * catalog check of `data`, any `time` string): the dispatcher forwards events it does not interpret, and
 * refusing one the registry would refuse is not its call.
 */
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { z } from 'zod';
import { isId } from '../../core/ids';
import { deliveryIdFor } from '../../core/webhooks/webhooks';

export const EVENT_SOURCE = 'streamplane';
const MAX_BODY_CHARS = 200_000;

/** The envelope as the dispatcher needs it; other fields pass through untouched in the signed body. */
export const envelopeSchema = z.looseObject({
  id: z.string().refine((v) => isId('event', v), 'must be an event id'),
  type: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'must be an event type').max(100),
  version: z.number().int().min(1),
  time: z.string().min(1).max(40),
  streamId: z.string().max(64).nullable(),
  sequence: z.number().int().min(0),
  data: z.record(z.string(), z.unknown()),
});

export const eventBridgeMessageSchema = z.looseObject({
  version: z.string(),
  id: z.string(),
  'detail-type': z.string(),
  source: z.literal(EVENT_SOURCE),
  time: z.string(),
  detail: envelopeSchema,
});

export const attemptMessageSchema = z
  .looseObject({
    kind: z.literal('webhook.attempt'),
    endpointId: z.string().refine((v) => isId('webhook', v), 'must be a webhook id'),
    deliveryId: z.string().refine((v) => isId('delivery', v), 'must be a delivery id'),
    eventId: z.string().refine((v) => isId('event', v), 'must be an event id'),
    eventType: z.string().min(1).max(100),
    streamId: z.string().max(64).nullable(),
    attempt: z.number().int().min(1).max(1000),
    trigger: z.enum(['event', 'retry', 'manual', 'recovery']),
    body: z.string().min(2).max(MAX_BODY_CHARS),
    delayRemainingMs: z.number().int().min(0).max(7 * 86_400_000).optional(),
    deferrals: z.number().int().min(0).max(10_000).optional(),
  })
  .refine((m) => m.deliveryId === deliveryIdFor(m.endpointId, m.eventId), { message: 'deliveryId does not belong to this endpoint and event', path: ['deliveryId'] });

export type EventBridgeMessage = z.infer<typeof eventBridgeMessageSchema>;

export type QueueMessage =
  | { kind: 'event'; message: EventBridgeMessage; body: string }
  | { kind: 'attempt'; message: z.infer<typeof attemptMessageSchema> };

/**
 * A record body as JSON, not yet interpreted. The raw value is kept because zod's output reorders keys,
 * and every endpoint and attempt must sign the detail exactly as published.
 */
const jsonBody = JSONStringified(z.unknown());

/** An attempt message when it says so (then it must be a valid one), otherwise a plane event. */
const queueMessageSchema = z.union([
  attemptMessageSchema.transform((message) => ({ kind: 'attempt' as const, message })),
  eventBridgeMessageSchema
    .refine((m) => m.kind !== 'webhook.attempt', 'an invalid attempt message is not an event')
    .transform((message) => ({ kind: 'event' as const, message })),
]);

/** One queue record's body, or undefined for a message that can never be processed. */
export function parseQueueMessage(text: string): QueueMessage | undefined {
  const json = jsonBody.safeParse(text);
  if (!json.success) return undefined;
  const parsed = queueMessageSchema.safeParse(json.data);
  if (!parsed.success) return undefined;
  if (parsed.data.kind === 'attempt') return parsed.data;
  const published = (json.data as { detail: unknown }).detail;
  return { kind: 'event', message: parsed.data.message, body: JSON.stringify(published) };
}
