/**
 * The publish-auth hook's input and output. The input comes from the ingest but carries what an RTMP
 * client chose (app and stream name), so it is bounded and typed before anything looks at it. The output
 * is all the ingest needs to run the session and nothing more (no key hash, no stream record).
 */
import { z } from 'zod';
import type { RejectReason } from '../../core/streams/publish-session';

export const publishAuthRequest = z.object({
  app: z.string().max(128),
  streamKey: z.string().max(256),
  remoteAddress: z.string().regex(/^[A-Za-z0-9.:%_\[\]-]{1,100}$/).optional(),
});
export type PublishAuthRequest = z.infer<typeof publishAuthRequest>;

export const remoteAddressOnly = z.object({ remoteAddress: publishAuthRequest.shape.remoteAddress });

export type PublishAuthResult =
  | { allowed: true; streamId: string; sessionId: string; reconnect: boolean; recording: boolean; reconnectWindowSeconds: number }
  | { allowed: false; reason: RejectReason; streamId: string | null };
