/**
 * The publish-auth decision: what the publish-auth hook answers the ingest gate, on every path (the
 * Lambda's return value, the cloud client's validation of it, the in-process call of the local plane,
 * the rate limiter in front of it). It carries what the ingest needs to run the session and nothing
 * more: never the key, its hash or the stream record.
 *
 * Must never: widen without the gate and the Lambda moving together (it is the wire contract between them).
 */
import { z } from 'zod';

export const REJECT_REASONS = ['malformed_key', 'unknown_key', 'disabled', 'already_publishing', 'rate_limited', 'wrong_app', 'wrong_cell'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const publishDecision = z.discriminatedUnion('allowed', [
  z.object({
    allowed: z.literal(true),
    streamId: z.string().min(1),
    sessionId: z.string().min(1),
    /** The encoder came back inside its reconnect window: the open session continues. */
    reconnect: z.boolean(),
    recording: z.boolean(),
    reconnectWindowSeconds: z.number().int().min(0),
    /** Seconds of DVR playlist to keep (absent or 0: none). */
    dvrWindowSeconds: z.number().int().min(0).optional(),
    /** `passthrough`: package the source as one rendition, no ladder (absent: `ladder`). */
    transcode: z.enum(['ladder', 'passthrough']).optional(),
    /** SRT only: the stream's passphrase, which the SRT front end sets on the caller's socket. */
    srtPassphrase: z.string().min(10).max(79).optional(),
    /** `low`: package this session as LL-HLS (absent: normal). */
    latencyMode: z.enum(['normal', 'low']).optional(),
    /** Backup ingest: which encoder this is (`live` app: primary, `live-backup`: backup; absent: primary). */
    role: z.enum(['primary', 'backup']).optional(),
    /** Backup ingest: it joined a session the other encoder feeds, as standby (not transcoded). */
    standby: z.literal(true).optional(),
  }),
  z.object({ allowed: z.literal(false), reason: z.enum(REJECT_REASONS), streamId: z.string().min(1).nullable() }),
]);
export type PublishDecision = z.infer<typeof publishDecision>;
