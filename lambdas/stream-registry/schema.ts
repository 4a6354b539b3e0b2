/**
 * The control API's wire schemas (zod): request bodies (from core), query strings, and the response
 * shapes. Responses are built by core's `toStreamView`; their schemas here exist to document them in
 * the OpenAPI document and to let tests hold the two together.
 */
import { z } from 'zod';
import { OUTPUTS } from '../../core/channels/feed-selector';
import { pageCursor, pageLimit } from '../shared/paging-schema';
import { EVENT_TYPES, isEventType } from '../../core/events/catalog';
import { STREAM_STATUSES, TRANSCODE_MODES } from '../../core/streams/stream';
import { PLAYBACK_POLICIES } from '../../core/playback/playback-access';
import { idSchema } from '../shared/id-schema';
import { PULL_STATES } from '../../core/pulls/pull-status';
import { FALLBACK_ORDERS } from '../../core/media-library/channel-media';
import { BACKUP_POLICIES, FEED_ROLES } from '../../core/channels/backup-selector';
import { FEED_STATES } from '../../core/streams/feed-view';

export { createStreamInput, updateStreamInput } from '../../core/streams/stream-input';

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_STREAM_PAGE_LIMIT = 20;
export const DEFAULT_EVENT_PAGE_LIMIT = 50;

export const streamIdSchema = idSchema('stream');
export const eventIdSchema = idSchema('event');

const limit = pageLimit(MAX_PAGE_LIMIT);

export const listStreamsQuery = z
  .object({
    limit: limit.optional().describe(`Page size, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_STREAM_PAGE_LIMIT}).`),
    cursor: pageCursor.optional(),
  })
  .strict();

export const listEventsQuery = z
  .object({
    streamId: streamIdSchema.optional().describe('Only events of this stream, in sequence order.'),
    after: eventIdSchema.optional().describe('Only events after this event id (exclusive); without it, the most recent events.'),
    limit: limit.optional().describe(`At most this many events, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_EVENT_PAGE_LIMIT}).`),
    type: z
      .string()
      .max(2000)
      .transform((v) => v.split(',').map((t) => t.trim()))
      .pipe(z.array(z.string().refine(isEventType, 'is not an event type')).min(1).max(EVENT_TYPES.length))
      .optional()
      .describe('Comma-separated event types to include.'),
  })
  .strict();

/** Action endpoints take no body; an empty object is tolerated, anything else is refused. */
export const emptyBody = z.object({}).strict().optional();

const ingestFeeds = z
  .array(
    z.object({
      role: z.enum(FEED_ROLES),
      state: z.enum(FEED_STATES).describe('`active`: on air; `standby`: connected, read and measured, not transcoded; `absent`: not connected.'),
      since: z.iso.datetime().nullable().describe('When the feed entered its state; null for one that never connected.'),
    }),
  )
  .describe('Backup ingest: the primary and backup encoder feeds of the stream (docs/backup-ingest.md).');
const ingestCell = z
  .string()
  .optional()
  .describe('The ingest cell (`cell-<n>`) the stream was assigned at creation; its URLs name that cell\'s endpoint, and only that cell\'s tasks admit the stream. Present on planes with cells.');
const backupServer = z.string().optional().describe('Backup encoder server URL (`rtmp://HOST:PORT/live-backup`, same stream key; OBS "Backup Server").');

const transcodeDecision = z.object({
  topRung: z.enum(['passthrough', 'encode', 'none']),
  reason: z.string(),
  renditions: z.array(
    z.object({ name: z.string(), width: z.number().int().optional(), height: z.number().int().optional(), bandwidth: z.number().int(), codecs: z.string() }),
  ),
});

export const streamView = z.object({
  id: streamIdSchema,
  name: z.string(),
  status: z.enum(STREAM_STATUSES),
  recording: z.boolean(),
  reconnectWindowSeconds: z.number().int(),
  playbackPolicy: z.enum(PLAYBACK_POLICIES),
  dvrWindowSeconds: z.number().int(),
  latencyMode: z.enum(['normal', 'low']).describe('`low`: LL-HLS (parts, blocking playlist reload); `normal`: segment HLS.'),
  sessionId: z.string().optional().describe('The open session, while connected, live or interrupted.'),
  transcode: transcodeDecision.optional(),
  output: z.enum(OUTPUTS).describe('What viewers get now at `playback.hls`: off, live (the publisher), fallback (the channel\'s playout) or slate (reconnect slate); every change emits `output.changed`.'),
  ingest: z.union([
    z.object({
      server: z.string().describe('RTMP server URL for the encoder (OBS "Server").'),
      rtmpsServer: z.string().optional().describe('RTMPS (RTMP over TLS) server URL, where TLS ingest is configured.'),
      srtEncrypted: z.boolean().optional().describe('SRT callers must encrypt with the passphrase set on the stream (present where SRT ingest runs).'),
      backupServer,
      feeds: ingestFeeds.optional(),
      cell: ingestCell,
    }),
    z.object({ type: z.literal('pull'), url: z.string().describe('The pull source, masked: `rtsp://***@host/path` (credentials are never shown).') }),
  ]),
  pull: z
    .object({
      state: z.enum([...PULL_STATES, 'idle']).describe('`idle` before the first start; `queued` while waiting for a pull slot (STREAMPLANE_MAX_PULLS).'),
      since: z.iso.datetime().optional(),
      attempts: z.number().int().optional().describe('Attempts to open the source in the current run.'),
      lastError: z.string().optional().describe('Why the last attempt failed (redacted).'),
    })
    .optional()
    .describe('Pulled streams only: the state of the pull.'),
  transcodeMode: z.enum(TRANSCODE_MODES).describe('The `transcode` setting: `ladder` or `passthrough` (one rendition, the source copied).'),
  playback: z.object({
    hls: z.string().describe('Master playlist URL (with `?token=` for a signed stream).'),
    thumbnail: z.string().describe("JPEG of the latest keyframe while live (refreshed every STREAMPLANE_THUMBNAIL_SECONDS, 10 by default); 404 before the first one."),
    dvr: z.string().optional().describe('DVR master playlist URL: the session so far over `dvrWindowSeconds`; present when DVR is on.'),
  }),
  fallback: z
    .object({ mediaIds: z.array(idSchema('media')), order: z.enum(FALLBACK_ORDERS) })
    .nullable()
    .describe('Library files played, looping, while no publisher is live; null: none.'),
  slateMediaId: idSchema('media').nullable().describe('Library item shown during the reconnect window; null: the generated slate.'),
  reconnectSlate: z.boolean().describe('Slate segments fill the reconnect window.'),
  backupPolicy: z.enum(BACKUP_POLICIES).describe('After a backup takeover: `revert` to the primary once it is steady again, or `stay` on the backup.'),
  backupRevertSeconds: z.number().int().describe('Seconds of steady primary media before a revert.'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** Only on create and reset-key: the key is shown once and never again. */
export const streamViewWithKey = streamView.extend({
  streamKey: z.string().describe('The stream key (OBS "Stream Key"). Shown only now; store it safely.'),
  ingest: z.object({
    server: z.string(),
    url: z.string().describe('Server and key in one URL.'),
    rtmpsServer: z.string().optional(),
    rtmpsUrl: z.string().optional().describe('RTMPS server and key in one URL.'),
    srtEncrypted: z.boolean().optional(),
    srt: z.string().optional().describe('SRT caller URL: `srt://HOST:PORT?streamid=KEY` (add `&passphrase=…` when `srtEncrypted`).'),
    http: z.string().optional().describe('MPEG-TS push URL: PUT or POST a chunked MPEG-TS body (`ffmpeg -f mpegts -method PUT URL`).'),
    backupServer,
    backupUrl: z.string().optional().describe('Backup server and key in one URL: `rtmp://HOST:PORT/live-backup/STREAM_KEY`.'),
    feeds: ingestFeeds.optional(),
    cell: ingestCell,
  }),
});

export const stopPullsResult = z.object({
  stopped: z.number().int().describe('How many queued or running pulls were stopped.'),
  streamIds: z.array(streamIdSchema),
});

export const streamList = z.object({
  items: z.array(streamView),
  next: z.string().optional().describe('Cursor of the next page; absent on the last page.'),
});
