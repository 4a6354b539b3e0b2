/**
 * The recordings API's wire schemas (zod): query strings and bodies it accepts, and the response shapes
 * (built by core's `toRecordingView`; described here for the OpenAPI document and for tests to hold the
 * two together).
 */
import { z } from 'zod';
import { pageCursor, pageLimit } from '../shared/paging-schema';
import { MP4_STATUSES, RECORDING_STATUSES } from '../../core/recordings/recording';
import { idSchema } from '../shared/id-schema';
import { PLAYBACK_POLICIES } from '../../core/playback/playback-access';

export const updateRecordingBody = z.object({ playbackPolicy: z.enum(PLAYBACK_POLICIES) }).strict();

export const MAX_RECORDING_PAGE_LIMIT = 100;
export const DEFAULT_RECORDING_PAGE_LIMIT = 20;

export const recordingIdSchema = idSchema('recording');

const limit = pageLimit(MAX_RECORDING_PAGE_LIMIT);

export const listRecordingsQuery = z
  .object({
    limit: limit.optional().describe(`Page size, 1 to ${MAX_RECORDING_PAGE_LIMIT} (default ${DEFAULT_RECORDING_PAGE_LIMIT}).`),
    cursor: pageCursor.optional(),
  })
  .strict();

/** Action endpoints take no body; an empty object is tolerated, anything else is refused. */
export const emptyBody = z.object({}).strict().optional();

export const recordingView = z.object({
  id: recordingIdSchema,
  streamId: z.string(),
  sessionId: z.string(),
  status: z.enum(RECORDING_STATUSES),
  durationSeconds: z.number().nullable().describe('Length of the VOD; null until the recording is ready.'),
  playbackPolicy: z.enum(PLAYBACK_POLICIES).describe('Inherited from the stream when the session was recorded; PATCHable.'),
  playback: z.object({ hls: z.string().describe('VOD master playlist URL (playable once ready; with `?token=` when signed).') }),
  mp4: z
    .object({ status: z.enum(MP4_STATUSES), url: z.string().optional().describe('Download URL, once ready.'), bytes: z.number().int().optional() })
    .optional()
    .describe('Present once an MP4 export was requested.'),
  bytes: z.number().int().optional(),
  segmentCount: z.number().int().optional(),
  failureReason: z.string().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const recordingList = z.object({
  items: z.array(recordingView),
  next: z.string().optional().describe('Cursor of the next page; absent on the last page.'),
});
