/**
 * The publish-auth hook's input and output. The input comes from the ingest but carries what an RTMP
 * client chose (app and stream name), so it is bounded and typed before anything looks at it. The output
 * is core's `publishDecision` (core/streams/publish-decision.ts), the one contract the Lambda, its cloud
 * client and the ingest gate share.
 */
import { z } from 'zod';

export const publishAuthRequest = z.object({
  app: z.string().max(128),
  streamKey: z.string().max(256),
  remoteAddress: z.string().regex(/^[A-Za-z0-9.:%_\[\]-]{1,100}$/).optional(),
  /** The asking task's ingest cell (planes with cells). */
  cell: z.string().regex(/^cell-[1-9]\d?$/).optional(),
});
export type PublishAuthRequest = z.infer<typeof publishAuthRequest>;

export const remoteAddressOnly = z.object({ remoteAddress: publishAuthRequest.shape.remoteAddress });
