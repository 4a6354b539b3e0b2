/**
 * The stream model and its state machine. A stream is a long-lived channel (one key, one playback URL);
 * each publish starts or continues a session on it. Every status change goes through `transition`, so an
 * illegal change (going live while disabled, ending an idle stream) is refused in one place, and stores
 * can make the write conditional on the status the transition started from.
 */
import { IllegalTransitionError } from '../errors';
import { liveDvrMasterPlaylistKey, liveMasterPlaylistKey, liveThumbnailKey } from '../media/layout';
import type { PlaybackPolicy } from '../playback/playback-access';
import type { Output } from '../channels/feed-selector';
import { maskSourceUrl } from '../pulls/pull-source';
import type { PullStatus } from '../pulls/pull-status';
import { channelView, type ChannelFallback } from '../media-library/channel-media';
import { DEFAULT_BACKUP_POLICY, DEFAULT_BACKUP_REVERT_SECONDS, ROLE_APPS, type BackupPolicy } from '../channels/backup-selector';
import { feedsView, type FeedView, type StreamFeeds } from './feed-view';

export const STREAM_STATUSES = ['idle', 'connected', 'live', 'interrupted', 'ended', 'disabled'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

export type StreamAction = 'connect' | 'go_live' | 'interrupt' | 'end' | 'disable' | 'enable';

/** How the top rung of the ladder is produced, and why; shown on the stream while it is live. */
export interface TranscodeDecision {
  topRung: 'passthrough' | 'encode' | 'none';
  reason: string;
  renditions: ReadonlyArray<{ name: string; width?: number; height?: number; bandwidth: number; codecs: string }>;
}

export interface Stream {
  id: string;
  name: string;
  status: StreamStatus;
  /** SHA-256 of the stream key. Never leaves the registry. */
  keyHash: string;
  recording: boolean;
  reconnectWindowSeconds: number;
  /** `signed`: every playlist and segment needs a viewer token (core/playback). Absent on old records = public. */
  playbackPolicy?: PlaybackPolicy;
  /** Seconds of the session a DVR playlist keeps (0/absent = no DVR playlist; needs recording). */
  dvrWindowSeconds?: number;
  /** `low`: LL-HLS (CMAF parts, blocking reload; docs/low-latency.md) from the next session. Absent on old records = normal. */
  latencyMode?: LatencyMode;
  /** Session currently on the stream (connected, live or interrupted). */
  sessionId?: string;
  /** When the current session started (first accepted publish). */
  sessionStartedAt?: string;
  /** The most recent session, kept after it ends. */
  lastSessionId?: string;
  transcode?: TranscodeDecision;
  /** What viewers get now (projected from `output.changed`); absent on old records = derived from status. */
  output?: Output;
  /** Sequence of the `output.changed` event `output` came from, so a redelivered older one is ignored. */
  outputSequence?: number;
  /** Pull source: the stream's input is this URL (a secret: only `maskSourceUrl` of it leaves the registry). */
  source?: { url: string };
  /** State of the pull of `source` (absent until the first start). */
  pull?: PullStatus;
  /** The `transcode` setting: `passthrough` packages the source as one rendition (absent = `ladder`). */
  transcodeMode?: TranscodeMode;
  /** SRT encryption passphrase (write-only through the API; handed to the SRT front end at the gate). */
  srtPassphrase?: string;
  /** Channel: library files played while no publisher is live (absent/null = none; core/media-library/channel-media.ts). */
  fallback?: ChannelFallback | null;
  /** Channel: library item shown during the reconnect window (absent/null = the generated slate). */
  slateMediaId?: string | null;
  /** Channel: slate segments during the reconnect window (absent = true). */
  reconnectSlate?: boolean;
  /** Backup ingest: after a takeover by the backup, go back to the primary (`revert`, absent) or `stay`. */
  backupPolicy?: BackupPolicy;
  /** Backup ingest: seconds of steady primary media before a revert (absent = 10). */
  backupRevertSeconds?: number;
  /** Backup ingest: the encoder feeds of the open session (core/streams/stream-feeds.ts). */
  feeds?: StreamFeeds;
  /** Ingest cell the stream publishes to (`cell-<n>`), assigned once at creation (core/cells); absent = `cell-1`. */
  ingestCell?: string;
  createdAt: string;
  updatedAt: string;
  /** Incremented on every write; conditional updates compare it. */
  version: number;
}

export const TRANSCODE_MODES = ['ladder', 'passthrough'] as const;
export type TranscodeMode = (typeof TRANSCODE_MODES)[number];
/** `normal`: segment HLS any CDN caches; `low`: LL-HLS with parts and blocking playlist reloads. */
export const LATENCY_MODES = ['normal', 'low'] as const;
export type LatencyMode = (typeof LATENCY_MODES)[number];

export const DEFAULT_RECONNECT_WINDOW_SECONDS = 60;
export const MAX_RECONNECT_WINDOW_SECONDS = 1800;
/** Four hours: the longest DVR window. */
export const MAX_DVR_WINDOW_SECONDS = 4 * 3600;

/** The statuses each action may start from, and where it leads. */
const TRANSITIONS: Record<StreamAction, { from: ReadonlyArray<StreamStatus>; to: StreamStatus }> = {
  connect: { from: ['idle', 'ended', 'interrupted'], to: 'connected' },
  go_live: { from: ['connected'], to: 'live' },
  interrupt: { from: ['connected', 'live'], to: 'interrupted' },
  end: { from: ['connected', 'live', 'interrupted'], to: 'ended' },
  disable: { from: ['idle', 'connected', 'live', 'interrupted', 'ended'], to: 'disabled' },
  enable: { from: ['disabled'], to: 'idle' },
};

export function allowedFrom(action: StreamAction): ReadonlyArray<StreamStatus> {
  return TRANSITIONS[action].from;
}

export function canTransition(status: StreamStatus, action: StreamAction): boolean {
  return TRANSITIONS[action].from.includes(status);
}

/** The status after `action`, or an IllegalTransitionError naming both. */
export function nextStatus(status: StreamStatus, action: StreamAction): StreamStatus {
  if (!canTransition(status, action)) throw new IllegalTransitionError(status, action.replace('_', ' '));
  return TRANSITIONS[action].to;
}

/** A session is open while the stream is connected, live or inside its reconnect window. */
export function hasOpenSession(status: StreamStatus): boolean {
  return status === 'connected' || status === 'live' || status === 'interrupted';
}

/** Which session a "session ended" transition may end, and under which conditions. */
export interface SessionEndGuard {
  sessionId: string;
  /** Only while nobody publishes to it (a reconnect window ran out). */
  onlyIfInterrupted?: boolean;
  /** Only if nothing wrote the stream since this version (the failover's recorded deadline). */
  expectedVersion?: number;
}

/**
 * The "session ended" transition: the stream after `guard.sessionId` ends, or undefined when that session
 * is no longer the stream's open one or the guard's conditions no longer hold (nothing to end).
 */
export function endedSession(current: Stream, guard: SessionEndGuard): Stream | undefined {
  if (current.sessionId !== guard.sessionId || !hasOpenSession(current.status)) return undefined;
  if (guard.onlyIfInterrupted && current.status !== 'interrupted') return undefined;
  if (guard.expectedVersion !== undefined && current.version !== guard.expectedVersion) return undefined;
  const next: Stream = { ...current, status: nextStatus(current.status, 'end') };
  closeSession(next, current);
  return next;
}

/** Clears what belongs to the open session from `next`, keeping its id as the last session. */
export function closeSession(next: Stream, current: Stream): void {
  delete next.sessionId;
  delete next.sessionStartedAt;
  delete next.transcode;
  delete next.feeds;
  if (current.sessionId) next.lastSessionId = current.sessionId;
}

export interface StreamView {
  id: string;
  name: string;
  status: StreamStatus;
  recording: boolean;
  reconnectWindowSeconds: number;
  playbackPolicy: PlaybackPolicy;
  dvrWindowSeconds: number;
  latencyMode: LatencyMode;
  sessionId?: string;
  transcode?: TranscodeDecision;
  /** What viewers get now: `off` | `live` | `fallback` | `slate`. */
  output: Output;
  transcodeMode: TranscodeMode;
  /** Where encoders publish, or (a pulled stream) the masked source URL. */
  ingest: IngestView | { type: 'pull'; url: string };
  /** Pull streams only: the state of the pull (`queued` while waiting for a slot). */
  pull?: PullStatus | { state: 'idle' };
  playback: { hls: string; thumbnail: string; dvr?: string };
  fallback: ChannelFallback | null;
  slateMediaId: string | null;
  reconnectSlate: boolean;
  backupPolicy: BackupPolicy;
  backupRevertSeconds: number;
  createdAt: string;
  updatedAt: string;
}

/** Where encoders publish; the key-bearing URLs only on create and reset-key. */
export interface IngestView {
  server: string;
  url?: string;
  /** `rtmps://HOST:PORT/live` where TLS ingest is configured. */
  rtmpsServer?: string;
  rtmpsUrl?: string;
  /** `srt://HOST:PORT?streamid=KEY` */
  srt?: string;
  /** Whether SRT callers must encrypt with the stream's passphrase. */
  srtEncrypted?: boolean;
  /** `http://HOST:PORT/ingest/KEY`: PUT or POST a chunked MPEG-TS body. */
  http?: string;
  /** `rtmp://HOST:PORT/live-backup`: the backup encoder's server (same key). */
  backupServer?: string;
  /** `rtmp://HOST:PORT/live-backup/KEY` (create and reset-key only). */
  backupUrl?: string;
  /** The encoder feeds: primary and backup, each active, standby or absent. */
  feeds?: FeedView[];
  /** The ingest cell whose endpoint the URLs name (planes with cells only). */
  cell?: string;
}

export interface PublicUrls {
  /** `rtmp://HOST:PORT/live` */
  rtmpServer: string;
  /** `rtmps://HOST:PORT/live`, where TLS ingest is configured. */
  rtmpsServer?: string;
  /** `srt://HOST:PORT`, where SRT ingest runs. */
  srtServer?: string;
  /** `http://HOST:PORT/ingest`, where MPEG-TS push is served. */
  httpIngestBase?: string;
  /** Base URL of the HLS origin or CDN, without a trailing slash. */
  playbackBase: string;
}

export function masterPlaylistPath(streamId: string): string {
  return liveMasterPlaylistKey(streamId);
}

/**
 * What the API returns for a stream. The key is only passed in right after it was generated (create and
 * reset-key); otherwise `ingest.url` is omitted because the plane cannot know the key.
 */
export function toStreamView(stream: Stream, urls: PublicUrls, streamKey?: string): StreamView & { streamKey?: string } {
  const ingest: IngestView = { server: urls.rtmpServer, ...(urls.rtmpsServer ? { rtmpsServer: urls.rtmpsServer } : {}), ...(urls.srtServer ? { srtEncrypted: stream.srtPassphrase !== undefined } : {}) };
  const backupServer = backupServerOf(urls.rtmpServer);
  if (backupServer) ingest.backupServer = backupServer;
  ingest.feeds = feedsView(stream);
  if (stream.ingestCell) ingest.cell = stream.ingestCell;
  const view: StreamView & { streamKey?: string } = {
    id: stream.id,
    name: stream.name,
    status: stream.status,
    recording: stream.recording,
    reconnectWindowSeconds: stream.reconnectWindowSeconds,
    playbackPolicy: stream.playbackPolicy ?? 'public',
    dvrWindowSeconds: stream.dvrWindowSeconds ?? 0,
    output: stream.output ?? (stream.status === 'live' ? 'live' : 'off'),
    transcodeMode: stream.transcodeMode ?? 'ladder',
    ingest,
    latencyMode: stream.latencyMode ?? 'normal',
    playback: { hls: `${urls.playbackBase}/${masterPlaylistPath(stream.id)}`, thumbnail: `${urls.playbackBase}/${liveThumbnailKey(stream.id)}` },
    ...channelView(stream),
    backupPolicy: stream.backupPolicy ?? DEFAULT_BACKUP_POLICY,
    backupRevertSeconds: stream.backupRevertSeconds ?? DEFAULT_BACKUP_REVERT_SECONDS,
    createdAt: stream.createdAt,
    updatedAt: stream.updatedAt,
  };
  if ((stream.dvrWindowSeconds ?? 0) > 0) view.playback.dvr = `${urls.playbackBase}/${liveDvrMasterPlaylistKey(stream.id)}`;
  if (stream.sessionId) view.sessionId = stream.sessionId;
  if (stream.transcode) view.transcode = stream.transcode;
  if (stream.source) {
    // A pulled stream has no key: its input is the (masked) source URL.
    view.ingest = { type: 'pull', url: maskSourceUrl(stream.source.url) };
    view.pull = stream.pull ? { ...stream.pull } : { state: 'idle' };
    return view;
  }
  if (streamKey !== undefined) {
    view.streamKey = streamKey;
    ingest.url = `${urls.rtmpServer}/${streamKey}`;
    if (urls.rtmpsServer) ingest.rtmpsUrl = `${urls.rtmpsServer}/${streamKey}`;
    if (urls.srtServer) ingest.srt = `${urls.srtServer}?streamid=${streamKey}`;
    if (urls.httpIngestBase) ingest.http = `${urls.httpIngestBase}/${streamKey}`;
    if (backupServer) ingest.backupUrl = `${backupServer}/${streamKey}`;
  }
  return view;
}

/** The backup app beside the primary one: `rtmp://HOST:PORT/live` → `rtmp://HOST:PORT/live-backup`. */
export function backupServerOf(rtmpServer: string): string | undefined {
  const suffix = `/${ROLE_APPS.primary}`;
  return rtmpServer.endsWith(suffix) ? `${rtmpServer.slice(0, -suffix.length)}/${ROLE_APPS.backup}` : undefined;
}
