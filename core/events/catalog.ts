/**
 * The event catalog: every event the plane emits, its version and the JSON schema of its `data`. The same
 * envelope goes to the event bus (EventBridge detail), webhooks and the event log. Adding a field is
 * backwards compatible; changing or removing one means a new `version` for that type.
 *
 * Events never carry secrets: no stream key, webhook secret or simulcast key is ever part of `data`.
 */
import { z } from 'zod';
import { HEALTH_REASONS, HEALTH_STATUSES } from '../health/stream-health';
import { REJECT_REASONS } from '../streams/publish-decision';
import { MEDIA_FAILURES, MEDIA_KINDS } from '../media-library/media-item';
import { OUTPUT_REASONS, OUTPUTS } from '../channels/feed-selector';

const renditionSummary = z.object({
  name: z.string(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  bandwidth: z.number().int(),
  codecs: z.string(),
});

export const EVENT_CATALOG = {
  'stream.created': { version: 1, description: 'A stream was created through the API.', data: z.object({ name: z.string() }) },
  'stream.updated': { version: 1, description: 'A stream\'s settings changed.', data: z.object({ changed: z.array(z.string()) }) },
  'stream.deleted': { version: 1, description: 'A stream was deleted; its key no longer works.', data: z.object({}) },
  'stream.key_reset': { version: 1, description: 'The stream key was replaced; the old key no longer works.', data: z.object({}) },
  'stream.disabled': { version: 1, description: 'The stream was disabled; publishes are refused until it is enabled.', data: z.object({}) },
  'stream.enabled': { version: 1, description: 'The stream was enabled again.', data: z.object({}) },
  'stream.connected': {
    version: 1,
    description: 'An encoder connected with a valid key and a session started (or continued after a reconnect).',
    data: z.object({
      remoteAddress: z.string().optional(),
      reconnect: z.boolean(),
      /** Backup ingest: the encoder's role (`live` app: primary, `live-backup`: backup). */
      role: z.enum(['primary', 'backup']).optional(),
    }),
  },
  'stream.takeover': {
    version: 1,
    description: 'Backup ingest: the other encoder feed took over the output (same session, same playback URL, one discontinuity).',
    data: z.object({ from: z.enum(['primary', 'backup']), to: z.enum(['primary', 'backup']), reason: z.enum(['disconnected', 'starved', 'reverted']) }),
  },
  'stream.live': {
    version: 1,
    description: 'The first playable master playlist of the session is published.',
    data: z.object({
      playback: z.object({ hls: z.string() }),
      topRung: z.enum(['passthrough', 'encode', 'none']),
      reason: z.string(),
      renditions: z.array(renditionSummary),
    }),
  },
  'stream.interrupted': {
    version: 1,
    description: 'The publisher went away; the session stays open for the reconnect window.',
    data: z.object({ reason: z.string(), reconnectWindowSeconds: z.number().int() }),
  },
  'stream.recovered': { version: 1, description: 'The publisher came back inside the reconnect window.', data: z.object({}) },
  'stream.ended': {
    version: 1,
    description: 'The session ended (reconnect window expired, stream disabled, or ended through the API).',
    data: z.object({ reason: z.enum(['publisher_gone', 'disabled', 'ended_by_api', 'deleted', 'task_lost', 'shutdown']), durationSeconds: z.number() }),
  },
  'stream.failed': {
    version: 1,
    description: 'A pull source could not be opened (unreachable, refused, or not media) and the pull gave up; no session was opened. `error` is redacted (no credentials).',
    data: z.object({ reason: z.enum(['source_unreachable']), error: z.string(), attempts: z.number().int() }),
  },
  'stream.rejected': {
    version: 1,
    description: 'A publish was refused before any media was accepted. streamId is null when the key matched no stream.',
    data: z.object({
      reason: z.enum(REJECT_REASONS),
      remoteAddress: z.string().optional(),
      /** rate_limited: the attempts this one event stands for (one event per blocked address, not per attempt). */
      attempts: z.number().int().positive().optional(),
    }),
  },
  'transcode.error': {
    version: 1,
    description: 'The transcoder of a live session exited unexpectedly; it is restarted with backoff.',
    data: z.object({
      message: z.string(),
      exitCode: z.number().int().nullable(),
      signal: z.string().nullable(),
      restarts: z.number().int(),
      willRestart: z.boolean(),
      /**
       * exited: ffmpeg died by itself; stalled_progress: it stopped reporting progress while fed and was
       * killed; stalled_output: the playlists stopped advancing while the publisher still sent, and the
       * plane restarted it.
       */
      reason: z.enum(['exited', 'stalled_progress', 'stalled_output']).optional(),
    }),
  },
  'stream.health.changed': {
    version: 1,
    description: 'The health of the live feed changed (with hysteresis: one event per real change, at most one per 10 s).',
    data: z.object({ from: z.enum(HEALTH_STATUSES), to: z.enum(HEALTH_STATUSES), reasons: z.array(z.enum(HEALTH_REASONS)) }),
  },
  'stream.starvation.started': {
    version: 1,
    description: 'No media arrived for 2 s while the publisher is still connected.',
    data: z.object({ sinceLastMediaMs: z.number().int() }),
  },
  'stream.starvation.ended': {
    version: 1,
    description: 'Media arrives again after a starvation.',
    data: z.object({ durationSeconds: z.number() }),
  },
  'stream.behind_realtime': {
    version: 1,
    description: 'The transcoder has produced media slower than it arrives (speed < 1.0) for 10 s; sent once until it keeps up for 10 s.',
    data: z.object({ speed: z.number(), forSeconds: z.number() }),
  },
  'output.changed': {
    version: 1,
    description: 'What viewers of the stream get changed (off, live, fallback playout or the reconnect slate), at the same playback URL.',
    data: z.object({ from: z.enum(OUTPUTS), to: z.enum(OUTPUTS), reason: z.enum(OUTPUT_REASONS) }),
  },
  'recording.started': { version: 1, description: 'A recording of the session started.', data: z.object({ recordingId: z.string() }) },
  'recording.ready': {
    version: 1,
    description: 'The recording is finalized and playable as VOD.',
    data: z.object({ recordingId: z.string(), playback: z.object({ hls: z.string() }), durationSeconds: z.number() }),
  },
  'recording.failed': { version: 1, description: 'The recording could not be finalized.', data: z.object({ recordingId: z.string(), reason: z.string() }) },
  'relay.started': {
    version: 1,
    description: 'A simulcast relay started for an enabled target while the stream is live (never carries the target\'s key).',
    data: z.object({ targetId: z.string(), attempt: z.number().int().positive() }),
  },
  'relay.connected': {
    version: 1,
    description: 'A simulcast target accepted the relay\'s publish; the target is broadcasting.',
    data: z.object({ targetId: z.string(), attempt: z.number().int().positive() }),
  },
  'relay.failed': {
    version: 1,
    description: 'An attempt of a simulcast relay failed (refused, stalled, fell behind, dropped); it retries with backoff (1, 2, 5, 10 s … 60 s).',
    data: z.object({ targetId: z.string(), attempt: z.number().int().positive(), reason: z.string(), retryInSeconds: z.number() }),
  },
  'relay.stopped': {
    version: 1,
    description: 'A simulcast relay stopped: the session ended, or the target was disabled or deleted.',
    data: z.object({ targetId: z.string(), reason: z.enum(['session_ended', 'disabled', 'deleted', 'shutdown']) }),
  },
  'media.ready': {
    version: 1,
    description: 'An uploaded library file was probed and is playable. streamId is null.',
    data: z.object({
      mediaId: z.string(),
      name: z.string(),
      kind: z.enum(MEDIA_KINDS),
      durationSeconds: z.number(),
      codecs: z.array(z.string()),
      bytes: z.number().int(),
    }),
  },
  'media.failed': {
    version: 1,
    description: 'An uploaded library file was refused (not media, no audio or video stream, truncated, too large); its bytes are deleted. streamId is null.',
    data: z.object({ mediaId: z.string(), name: z.string(), reason: z.enum(MEDIA_FAILURES), error: z.string() }),
  },
  'webhook.disabled': {
    version: 1,
    description: 'A webhook endpoint was disabled because every delivery attempt failed for too long. streamId is null.',
    data: z.object({ webhookId: z.string(), reason: z.enum(['failing']), failingSince: z.string() }),
  },
} as const;

export type EventType = keyof typeof EVENT_CATALOG;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_CATALOG)[T]['data']>;
export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

export interface StreamplaneEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  time: string;
  /** null only for events not tied to a stream (a rejected publish whose key matched nothing). */
  streamId: string | null;
  sessionId?: string;
  /** Strictly increasing per streamId (null has its own sequence). */
  sequence: number;
  data: EventData<T>;
}

export function isEventType(value: string): value is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOG, value);
}

export interface NewEvent<T extends EventType> {
  type: T;
  streamId: string | null;
  sessionId?: string;
  data: EventData<T>;
}

/** Builds the envelope. `data` is validated against the catalog so no undeclared field slips out. */
export function buildEvent<T extends EventType>(input: NewEvent<T>, meta: { id: string; time: Date; sequence: number }): StreamplaneEvent<T> {
  const entry = EVENT_CATALOG[input.type];
  const data = entry.data.parse(input.data) as EventData<T>;
  const event: StreamplaneEvent<T> = {
    id: meta.id,
    type: input.type,
    version: entry.version,
    time: meta.time.toISOString(),
    streamId: input.streamId,
    sequence: meta.sequence,
    data,
  };
  if (input.sessionId) event.sessionId = input.sessionId;
  return event;
}

/**
 * JSON Schema of every event's data, for docs and the OpenAPI document. Input mode leaves objects open
 * (no additionalProperties: false), so consumers validating strictly keep working when a field is added.
 */
export function eventCatalogJsonSchema(): Record<string, { version: number; description: string; data: unknown }> {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => {
      const entry = EVENT_CATALOG[type];
      return [type, { version: entry.version, description: entry.description, data: z.toJSONSchema(entry.data, { io: 'input' }) }];
    }),
  );
}
