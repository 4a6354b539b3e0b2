/**
 * What the recording finalizer's queue carries, and its configuration. Two message shapes, parsed never
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

// ---------------------------------------------------------------------------------------------------------
// Configuration (read once per cold start; errors name the variable, never its value)

const envSchema = z.object({
  TABLE_NAME: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name'),
  // The CDK stack currently names it STREAMPLANE_MEDIA_BUCKET; both are accepted, MEDIA_BUCKET wins.
  MEDIA_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name').optional(),
  STREAMPLANE_MEDIA_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name').optional(),
  MEDIA_PREFIX: z.string().regex(/^([A-Za-z0-9_-]+\/)+$/, 'must be a folder such as "media/"').optional(),
  PLAYBACK_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((v) => v.replace(/\/+$/, '')),
  EVENT_BUS_NAME: z.string().regex(/^[A-Za-z0-9._\-/:]{1,1600}$/, 'must be an EventBridge bus name or ARN').optional(),
  /** The queue's maxReceiveCount: on the last receive a failing recording is marked failed. */
  MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
});

export interface FinalizerConfig {
  tableName: string;
  mediaBucket: string;
  mediaPrefix?: string;
  playbackBaseUrl: string;
  eventBusName?: string;
  maxReceiveCount: number;
}

export class FinalizerConfigError extends Error {
  override readonly name = 'FinalizerConfigError';
  readonly code = 'config';
}

export function loadFinalizerConfig(env: Readonly<Record<string, string | undefined>>): FinalizerConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FinalizerConfigError(`Invalid configuration: ${String(issue?.path[0] ?? 'environment')} ${issue?.code === 'invalid_type' ? 'is required' : (issue?.message ?? 'is invalid')}.`);
  }
  const c = parsed.data;
  const mediaBucket = c.MEDIA_BUCKET ?? c.STREAMPLANE_MEDIA_BUCKET;
  if (!mediaBucket) throw new FinalizerConfigError('Invalid configuration: MEDIA_BUCKET is required.');
  return {
    tableName: c.TABLE_NAME,
    mediaBucket,
    ...(c.MEDIA_PREFIX ? { mediaPrefix: c.MEDIA_PREFIX } : {}),
    playbackBaseUrl: c.PLAYBACK_BASE_URL,
    ...(c.EVENT_BUS_NAME ? { eventBusName: c.EVENT_BUS_NAME } : {}),
    maxReceiveCount: c.MAX_RECEIVE_COUNT,
  };
}
