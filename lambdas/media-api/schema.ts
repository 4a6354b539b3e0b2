/**
 * The media library API's wire schemas (zod): the create body, the list query, and the response shapes
 * (built by core's `toMediaView`; described here for the OpenAPI document and for tests to hold the two
 * together).
 */
import { z } from 'zod';
import { MEDIA_KINDS, MEDIA_STATUSES } from '../../core/media-library/media-item';
import { streamName } from '../../core/streams/stream-input';
import { idSchema } from '../shared/id-schema';
import { pageCursor, pageLimit } from '../shared/paging-schema';

export const MAX_MEDIA_PAGE_LIMIT = 100;
export const DEFAULT_MEDIA_PAGE_LIMIT = 20;

/** Item names follow the stream-name rules (shown in the console and in event payloads). */
export const createMediaBody = z.object({ name: streamName.describe('Shown in listings and events; 1 to 100 characters.') }).strict();

export const listMediaQuery = z
  .object({
    limit: pageLimit(MAX_MEDIA_PAGE_LIMIT).optional().describe(`Page size, 1 to ${MAX_MEDIA_PAGE_LIMIT} (default ${DEFAULT_MEDIA_PAGE_LIMIT}).`),
    cursor: pageCursor.optional(),
  })
  .strict();

export const mediaView = z.object({
  id: idSchema('media'),
  name: z.string(),
  status: z.enum(MEDIA_STATUSES).describe('`uploading` until the file is stored and probed, then `ready` or `failed`.'),
  durationSeconds: z.number().nullable().describe('Length of the file (0 for a still picture); null until ready.'),
  kind: z.enum(MEDIA_KINDS).nullable().describe('`video` when the file has a picture, else `audio`; null until ready.'),
  codecs: z.array(z.string()).describe('Codec names as ffprobe reports them, video first (`h264`, `aac`, `mp3`).'),
  bytes: z.number().int().nullable().describe('Size of the stored file; null until the upload completed.'),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  still: z.boolean().optional().describe('A single picture: usable as `slateMediaId`, not in a fallback.'),
  error: z.string().optional().describe('Why the file was refused (failed items): not media, no audio or video stream, truncated, too large.'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const mediaWithUpload = mediaView.extend({
  upload: z.object({
    url: z.string().describe('PUT the file\'s bytes here (a signed URL: on the local plane a URL of the plane, in the cloud a presigned S3 URL).'),
    method: z.literal('PUT'),
    expiresAt: z.iso.datetime().describe('The URL is refused (403) after this.'),
  }),
});

export const mediaList = z.object({
  items: z.array(mediaView),
  next: z.string().optional().describe('Cursor of the next page; absent on the last page.'),
});
