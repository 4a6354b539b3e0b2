/**
 * Wire schemas of the simulcast targets API (zod): request bodies and the documented response shapes.
 * Bodies are strict (unknown fields are refused). `streamKey` appears only in request bodies: no
 * response schema has a field for it.
 */
import { z } from 'zod';
import { MAX_STREAM_KEY_LENGTH, MAX_TARGET_NAME_LENGTH, TARGET_STATUSES } from '../../core/relays/target';
import { MAX_WEBHOOK_URL_LENGTH } from '../../core/webhooks/url-policy';
import { idSchema } from '../shared/id-schema';

export const MAX_SIMULCAST_BODY_BYTES = 8 * 1024;

const url = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .describe('Server URL the relay publishes to: rtmp:// or rtmps:// (as the platform shows it, e.g. rtmp://a.rtmp.youtube.com/live2), or srt://host:port (caller; plain settings such as `latency` only, no passphrase).');

const streamKey = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_STREAM_KEY_LENGTH, `must be at most ${MAX_STREAM_KEY_LENGTH} characters`)
  .refine((v) => !/[\s\p{Cc}]/u.test(v), 'must not contain spaces or control characters')
  .describe('The platform\'s stream key. rtmp(s): appended to `url` as `/<streamKey>`. srt: the SRT `streamid`, or `streamid=…&passphrase=…` when the service also gives a passphrase. Write-only: stored encrypted, never returned.');

const name = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_TARGET_NAME_LENGTH, `must be at most ${MAX_TARGET_NAME_LENGTH} characters`)
  .refine((v) => !/[\p{Cc}\p{Cf}]/u.test(v), 'must not contain control characters');

export const createTargetBody = z
  .object({
    url,
    streamKey: streamKey.optional(),
    name: name.optional().describe('Shown in lists; default the URL\'s host.'),
    enabled: z.boolean().optional().describe('Default true: the target is relayed whenever the stream is live.'),
  })
  .strict();

export const updateTargetBody = z
  .object({
    url: url.optional(),
    streamKey: streamKey.nullable().optional().describe('A new key, or null to remove it. Write-only.'),
    name: name.optional(),
    enabled: z.boolean().optional().describe('Enabling or disabling while live starts or stops this target\'s relay only.'),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'at least one field must be given')
  .meta({ minProperties: 1 });

export const targetView = z.object({
  id: idSchema('simulcastTarget'),
  streamId: idSchema('stream'),
  name: z.string(),
  url: z.string().describe('The server URL, without the key.'),
  enabled: z.boolean(),
  hasStreamKey: z.boolean().describe('Whether a key is stored (the key itself is never returned).'),
  status: z.enum(TARGET_STATUSES).describe('idle (stream not live or target disabled), starting, broadcasting, errored (retrying with backoff; see lastError).'),
  lastError: z.string().optional().describe('Why the last attempt failed.'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const targetList = z.object({ items: z.array(targetView) }).describe('The stream\'s targets, oldest first.');
