/**
 * Wire schemas of the playback API (zod): keys and revocations. Bodies are strict (unknown fields are
 * refused). The private key appears only in the create response of a generated key.
 */
import { z } from 'zod';
import { VIEWER_ID_PATTERN } from '../../core/playback/playback-key';
import { idSchema } from '../shared/id-schema';

export const MAX_PLAYBACK_BODY_BYTES = 16 * 1024;

export const playbackKeyIdSchema = idSchema('playbackKey');

export const createPlaybackKeyBody = z
  .object({
    publicKey: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('An EC P-256 public key (PEM, SPKI) you generated; omit it to have the plane generate a key pair.'),
  })
  .strict()
  .optional();

export const revokeViewerBody = z
  .object({
    viewerId: z.string().regex(VIEWER_ID_PATTERN, 'must be 1-128 of A-Z a-z 0-9 . _ @ : + -').describe('The `viewerId` claim of the tokens to refuse.'),
    until: z.iso.datetime({ offset: true }).optional().describe('Refuse them until then; default: 7 days from now (longer than any token can live).'),
  })
  .strict();

export const playbackKeyView = z.object({
  id: playbackKeyIdSchema,
  algorithm: z.literal('ES256'),
  publicKey: z.string().describe('PEM (SPKI) of the P-256 public key.'),
  source: z.enum(['generated', 'registered']),
  createdAt: z.iso.datetime(),
});

export const playbackKeyWithPrivate = playbackKeyView.extend({
  privateKey: z.string().optional().describe('PEM (PKCS#8) private key of a generated pair. Shown only now and never stored; absent for a registered key.'),
});

export const playbackKeyList = z.object({ items: z.array(playbackKeyView) });

export const revocationView = z.object({
  viewerId: z.string(),
  until: z.iso.datetime(),
  createdAt: z.iso.datetime(),
});

export const revocationList = z.object({ items: z.array(revocationView) });
