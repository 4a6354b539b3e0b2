/**
 * The packager's public shapes: options, events and stats. Kept apart from the implementation so callers
 * (the session runner, metrics, tests) depend on the contract only.
 */
import type { Clock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { ObjectStore } from '../../../../core/ports/object-store';
import type { RetryPolicy } from './retry';

/** One rung of the ladder as the transcoder produces it. */
export interface RenditionPlan {
  /** Folder name in scratch and in the store: `[A-Za-z0-9_-]{1,64}`, e.g. `720p`, `audio`. */
  name: string;
  /** Peak bits per second (EXT-X-STREAM-INF BANDWIDTH). */
  bandwidth: number;
  averageBandwidth?: number;
  /** RFC 6381, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  width?: number;
  height?: number;
  fps?: number;
}

export interface PackagerOptions {
  streamId: string;
  /** In master playlist order (players start on the first one). */
  renditions: ReadonlyArray<RenditionPlan>;
  objectStore: ObjectStore;
  /** Target segment length the transcoder cuts at. Default 2. */
  segmentSeconds?: number;
  /** Segments per live media playlist. Default 6; at least 4 (RFC 8216 §6.2.2 keeps 3 target durations). */
  liveWindow?: number;
  logger?: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** How often segment lists are read. Default 100 ms; at least 500 ms while inotify watches the run's folders (a changed list is read at once then). */
  pollIntervalMs?: number;
  /**
   * ffmpeg lists a segment a moment before it closes the file; a listed file counts as complete once the
   * next segment file exists, its run has ended, or its size holds still this long. Default 100 ms.
   */
  settleMs?: number;
  /** Backoff for store writes. Default 200 ms doubling to 5 s, unlimited attempts while running. */
  retry?: Partial<RetryPolicy>;
  /** Write EXT-X-PROGRAM-DATE-TIME on every segment (players align renditions with it). Default true. */
  programDateTime?: boolean;
  /**
   * The session is recorded: segments go to `recordings/<recordingId>/<rendition>/` (the live playlist names
   * them there), and `recordings/<recordingId>/renditions.json` is written when the packager starts.
   */
  recordingId?: string;
  /** With a recording: keep `live/<streamId>/dvr.m3u8` over this many seconds of the session (dvr-writer.ts). */
  dvrWindowSeconds?: number;
  /** The master's URI of a rendition's playlist. Default `<rendition>/index.m3u8`; low latency names `<rendition>/ll.m3u8`. */
  masterVariantUri?: (rendition: string) => string;
  /**
   * How often the master (and DVR master) playlists are rewritten while segments flow, so the `live/`
   * lifecycle expiry never removes them during a long session. Default LIVE_OBJECT_REFRESH_MS (6 h).
   */
  masterRefreshMs?: number;
  /**
   * One playlist bundle object per stream per segment round (`live/<id>/playlists.json`) instead of one
   * media playlist object per rendition; the cloud's playlist origin serves each rendition from it.
   * Default off (each rendition's `index.m3u8` is its own object, as the local origin serves them).
   */
  playlistBundle?: { windowMs?: number };
  /**
   * One segment round object per sequence number (`live/<id>/rounds/…` or `recordings/<rec>/rounds/…`,
   * core/media/layout.ts) holding every rendition's TS segment back to back; media playlists name each
   * member with EXT-X-BYTERANGE (segment-round-writer.ts). `windowMs` (default 1000) is how long a round
   * waits for its last member. Default off: one object per rendition per segment.
   */
  segmentRounds?: { windowMs?: number };
}

export interface StopOptions {
  /** Write EXT-X-ENDLIST: the session is over (not just this packager). Default false. */
  endList?: boolean;
  /** How long to keep uploading what is already listed before giving up (it stays on scratch). Default 30 s. */
  drainTimeoutMs?: number;
}

export interface PackagerLiveEvent {
  streamId: string;
  masterKey: string;
  at: Date;
}

export interface PackagerSegmentEvent {
  streamId: string;
  rendition: string;
  sequence: number;
  duration: number;
  /** The stored object holding the segment: its own, or (segment rounds) its round's. */
  key: string;
  /** With segment rounds: where in `key` the segment's bytes are. */
  byteRange?: { offset: number; length: number };
  /** First segment of a new transcoder run (or of this packager after a resume). */
  discontinuity: boolean;
  /** Time spent in put() for the segment, retries included. */
  uploadMs: number;
  /** From noticing the segment in the list to its playlist being stored. */
  publishLatencyMs: number;
}

export interface PackagerGapEvent {
  streamId: string;
  rendition: string;
  sequence: number;
  reason: 'missing_in_rendition' | 'scratch_file_lost';
}

export interface PackagerReleasedEvent {
  streamId: string;
  /** The scratch folder of a finished transcoder run: every listed segment is uploaded, the caller may remove it. */
  scratchDir: string;
  generation: number;
}

export interface PackagerEvents {
  live: [PackagerLiveEvent];
  segment: [PackagerSegmentEvent];
  gap: [PackagerGapEvent];
  released: [PackagerReleasedEvent];
}

export interface RenditionStats {
  segmentsUploaded: number;
  gapsPublished: number;
  lastSequence?: number;
  /** Listed but not yet published. */
  pending: number;
  uploadRetries: number;
  lastUploadMs?: number;
  maxUploadMs: number;
  totalUploadMs: number;
  lastPublishLatencyMs?: number;
}

export interface PackagerStats {
  streamId: string;
  state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped';
  live: boolean;
  /** Transcoder runs attached so far. */
  generations: number;
  targetDuration: number;
  renditions: Record<string, RenditionStats>;
}
