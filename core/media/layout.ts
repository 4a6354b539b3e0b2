/**
 * The object-store layout of media: every key and prefix the packager writes, the origin and CDN serve,
 * the recording finalizer reads and writes, and retention (the local sweeper, the S3 lifecycle rules)
 * deletes. One place, so writers, readers and sweepers cannot disagree about where a thing is.
 *
 *   live/<streamId>/master.m3u8                                  master playlist (packager)
 *   live/<streamId>/<rendition>/index.m3u8                       live media playlist (packager)
 *   live/<streamId>/dvr.m3u8, live/<streamId>/<rendition>/dvr.m3u8  DVR playlists (packager, recorded sessions)
 *   live/<streamId>/thumbnail.jpg                                latest thumbnail while live (ingest)
 *   live/<streamId>/<rendition>/<seq>-<durationMs>-<disc>.ts     segments of a session that is not recorded
 *   recordings/<rec>/<rendition>/<seq>-<durationMs>-<disc>.ts    segments of a recorded session (packager)
 *   recordings/<rec>/renditions.json                             the rendition plan (packager, union over runs)
 *   recordings/<rec>/<rendition>/index.m3u8                      VOD media playlist (finalizer)
 *   recordings/<rec>/master.m3u8                                 VOD master playlist (finalizer)
 *   recordings/<rec>/manifest.json                               summary (finalizer)
 *   recordings/<rec>/poster.jpg                                  poster image (ingest, on finalization)
 *   recordings/<rec>/recording.mp4                               optional MP4 export
 *
 * Must never build a key from unvalidated input (ids and rendition names are checked by the callers'
 * schemas before they get here), and never do I/O.
 */
import { isId } from '../ids';

/** Folder of live HLS output. */
export const LIVE_PREFIX = 'live/';
/** Folder of recordings (the segments they keep and the VOD outputs). */
export const RECORDINGS_PREFIX = 'recordings/';
/** The top-level folders of the media store, and nothing else. */
export const MEDIA_PREFIXES = [LIVE_PREFIX, RECORDINGS_PREFIX] as const;
export type MediaPrefix = (typeof MEDIA_PREFIXES)[number];

/** What a rendition folder may be called (it becomes a path segment). */
export const RENDITION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const MEDIA_PLAYLIST_FILE = 'index.m3u8';
const MASTER_PLAYLIST_FILE = 'master.m3u8';
const DVR_PLAYLIST_FILE = 'dvr.m3u8';

// ---------------------------------------------------------------------------------------------------------
// Live

/** `live/<streamId>/`: everything the packager publishes for a stream. */
export function liveStreamPrefix(streamId: string): string {
  return `${LIVE_PREFIX}${streamId}/`;
}

/** `live/<streamId>/<rendition>/`: the media playlist of a rendition, and its segments when not recorded. */
export function liveRenditionPrefix(streamId: string, rendition: string): string {
  return `${liveStreamPrefix(streamId)}${rendition}/`;
}

export function liveMediaPlaylistKey(streamId: string, rendition: string): string {
  return `${liveRenditionPrefix(streamId, rendition)}${MEDIA_PLAYLIST_FILE}`;
}

/** `live/<streamId>/master.m3u8`: the stable playback URL of a stream. */
export function liveMasterPlaylistKey(streamId: string): string {
  return `${liveStreamPrefix(streamId)}${MASTER_PLAYLIST_FILE}`;
}

/** `live/<streamId>/dvr.m3u8`: the DVR master playlist (the session so far, over the DVR window). */
export function liveDvrMasterPlaylistKey(streamId: string): string {
  return `${liveStreamPrefix(streamId)}${DVR_PLAYLIST_FILE}`;
}

/** `live/<streamId>/<rendition>/dvr.m3u8`: a rendition's DVR media playlist. */
export function liveDvrMediaPlaylistKey(streamId: string, rendition: string): string {
  return `${liveRenditionPrefix(streamId, rendition)}${DVR_PLAYLIST_FILE}`;
}

/** Relative URI of a rendition's DVR playlist inside the DVR master playlist. */
export function dvrPlaylistUri(rendition: string): string {
  return `${rendition}/${DVR_PLAYLIST_FILE}`;
}

/** `live/<streamId>/thumbnail.jpg`: a JPEG of the latest keyframe, refreshed while the stream is live. */
export function liveThumbnailKey(streamId: string): string {
  return `${liveStreamPrefix(streamId)}thumbnail.jpg`;
}

/** `recordings/<rec>/poster.jpg`: the recording's poster image. */
export function recordingPosterKey(recordingId: string): string {
  return `${RECORDINGS_PREFIX}${recordingId}/poster.jpg`;
}

/** Relative URI of a rendition's media playlist inside a master playlist (live and VOD alike). */
export function mediaPlaylistUri(rendition: string): string {
  return `${rendition}/${MEDIA_PLAYLIST_FILE}`;
}

/** A key under `live/` taken apart: `live/<streamId>[/<rendition>]/<file>`; undefined outside `live/`. */
export interface LiveKey {
  streamId: string;
  /** Set for keys inside a rendition folder. */
  rendition?: string;
  /** The last path segment (a segment, a playlist). */
  file: string;
}

export function parseLiveKey(key: string): LiveKey | undefined {
  if (!key.startsWith(LIVE_PREFIX)) return undefined;
  const parts = key.slice(LIVE_PREFIX.length).split('/');
  const [streamId = '', second = '', third] = parts;
  if (streamId === '' || parts.length < 2 || parts.length > 3) return undefined;
  return third === undefined ? { streamId, file: second } : { streamId, rendition: second, file: third };
}

/** The stream folder a key under `live/` belongs to (whatever lies below it); undefined outside `live/`. */
export function liveStreamIdOf(key: string): string | undefined {
  if (!key.startsWith(LIVE_PREFIX)) return undefined;
  return key.slice(LIVE_PREFIX.length).split('/')[0] || undefined;
}

/** `live/<streamId>/<rendition>/index.m3u8`, and no other key. */
export function isLiveMediaPlaylistKey(key: string): boolean {
  const parsed = parseLiveKey(key);
  return parsed?.rendition !== undefined && parsed.rendition !== '' && parsed.file === MEDIA_PLAYLIST_FILE;
}

// ---------------------------------------------------------------------------------------------------------
// Recordings

export function recordingPrefix(recordingId: string): string {
  return `${RECORDINGS_PREFIX}${recordingId}/`;
}

export function recordingRenditionPrefix(recordingId: string, rendition: string): string {
  return `${recordingPrefix(recordingId)}${rendition}/`;
}

export function vodMediaPlaylistKey(recordingId: string, rendition: string): string {
  return `${recordingRenditionPrefix(recordingId, rendition)}${MEDIA_PLAYLIST_FILE}`;
}

export function vodMasterPlaylistKey(recordingId: string): string {
  return `${recordingPrefix(recordingId)}${MASTER_PLAYLIST_FILE}`;
}

export function manifestKey(recordingId: string): string {
  return `${recordingPrefix(recordingId)}manifest.json`;
}

export function renditionsFileKey(recordingId: string): string {
  return `${recordingPrefix(recordingId)}renditions.json`;
}

export function mp4Key(recordingId: string): string {
  return `${recordingPrefix(recordingId)}recording.mp4`;
}

/** The public URL of a stored key behind the CDN / origin at `playbackBase`. */
export function playbackUrlOf(playbackBase: string, key: string): string {
  return `${playbackBase.replace(/\/+$/, '')}/${key}`;
}

export function recordingPlaybackUrl(playbackBase: string, recordingId: string): string {
  return playbackUrlOf(playbackBase, vodMasterPlaylistKey(recordingId));
}

export function recordingMp4Url(playbackBase: string, recordingId: string): string {
  return playbackUrlOf(playbackBase, mp4Key(recordingId));
}

// ---------------------------------------------------------------------------------------------------------
// Segment file names: `<seq>-<durationMs>-<disc>.ts` (the finalizer rebuilds VOD playlists from these alone)

export interface SegmentName {
  /** The live media sequence number. */
  seq: number;
  /** Integer milliseconds (EXTINF of the segment). */
  durationMs: number;
  /** The segment's discontinuity sequence number: changes at every transcoder restart, reconnect or plane restart. */
  disc: number;
}

const SEGMENT_FILE = /^(\d{1,15})-(\d{1,9})-(\d{1,15})\.ts$/;

export function segmentFileName(segment: SegmentName): string {
  const { seq, durationMs, disc } = segment;
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`segment seq must be a non-negative integer, got ${seq}`);
  if (!Number.isSafeInteger(durationMs) || durationMs < 1 || durationMs > 999_999_999) throw new RangeError(`segment durationMs must be a positive integer, got ${durationMs}`);
  if (!Number.isSafeInteger(disc) || disc < 0) throw new RangeError(`segment disc must be a non-negative integer, got ${disc}`);
  return `${seq}-${durationMs}-${disc}.ts`;
}

/** The numbers in a segment file name, or undefined for anything else (playlists, garbage, `0-0-0.ts`). */
export function parseSegmentFileName(name: string): SegmentName | undefined {
  const match = SEGMENT_FILE.exec(name);
  if (!match) return undefined;
  const seg = { seq: Number(match[1]), durationMs: Number(match[2]), disc: Number(match[3]) };
  if (!Number.isSafeInteger(seg.seq) || !Number.isSafeInteger(seg.disc) || seg.durationMs < 1) return undefined;
  return seg;
}

/** What names a stored segment as the packager sees it: EXTINF in seconds, not yet rounded. */
export interface SegmentRef {
  sequence: number;
  duration: number;
  discontinuitySequence: number;
}

/** The file name of a packager segment (duration rounded to whole milliseconds, at least 1). */
export function segmentFile(ref: SegmentRef): string {
  return segmentFileName({ seq: ref.sequence, durationMs: Math.max(1, Math.round(ref.duration * 1000)), disc: ref.discontinuitySequence });
}

/**
 * Where a segment is stored: under the recording when the session is recorded (so the live window never
 * owns it and retention of `live/` never deletes it), else next to its live playlist.
 */
export function segmentKey(streamId: string, rendition: string, ref: SegmentRef, recordingId?: string): string {
  return recordingId ? recordingRenditionPrefix(recordingId, rendition) + segmentFile(ref) : liveRenditionPrefix(streamId, rendition) + segmentFile(ref);
}

/** URI of a segment inside its live media playlist (`live/<streamId>/<rendition>/index.m3u8`). */
export function segmentUri(rendition: string, ref: SegmentRef, recordingId?: string): string {
  // Up from live/<streamId>/<rendition>/ to the bucket root, then into the recording.
  return recordingId ? `../../../${recordingRenditionPrefix(recordingId, rendition)}${segmentFile(ref)}` : segmentFile(ref);
}

/**
 * The sequence number of a segment key under `prefix` (`<seq>-<ms>-<disc>.ts`, or the older `<n>.ts`),
 * or undefined for anything else.
 */
export function sequenceOfKey(prefix: string, key: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const name = key.slice(prefix.length);
  const parsed = parseSegmentFileName(name);
  if (parsed) return parsed.seq;
  const legacy = /^(\d{1,15})\.ts$/.exec(name);
  return legacy ? Number(legacy[1]) : undefined;
}

export interface RecordingSegmentKey extends SegmentName {
  recordingId: string;
  rendition: string;
  file: string;
}

/** `recordings/<rec>/<rendition>/<seq>-<ms>-<disc>.ts` taken apart, or undefined for any other key. */
export function parseRecordingSegmentKey(key: string): RecordingSegmentKey | undefined {
  const parts = key.split('/');
  if (parts.length !== 4 || `${parts[0]}/` !== RECORDINGS_PREFIX) return undefined;
  const [, recordingId = '', rendition = '', file = ''] = parts;
  if (!isId('recording', recordingId) || !RENDITION_NAME.test(rendition)) return undefined;
  const seg = parseSegmentFileName(file);
  return seg ? { ...seg, recordingId, rendition, file } : undefined;
}

/** A playlist URI relative to `folder` (ending in `/`), as an object key; undefined for absolute URLs. */
export function resolvePlaylistUri(folder: string, uri: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return undefined;
  const parts = folder.split('/').filter(Boolean);
  for (const part of uri.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

// ---------------------------------------------------------------------------------------------------------
// Media library (uploaded files for fallback playout and slates)

/**
 * Folder of the media library: `media/<mediaId>/source` holds an uploaded file as it was sent. Not one of
 * `MEDIA_PREFIXES` on purpose: the origin and CDN never serve it (library files are inputs of the
 * playout, not playback), and live retention never sweeps it.
 */
export const LIBRARY_PREFIX = 'media/';

/** `media/<mediaId>/source`: the uploaded file of a library item. */
export function libraryObjectKey(mediaId: string): string {
  return `${LIBRARY_PREFIX}${mediaId}/source`;
}

/** The media id of a `media/<mediaId>/source` key (a validated id), or undefined for any other key. */
export function parseLibraryObjectKey(key: string): string | undefined {
  const match = /^media\/([^/]+)\/source$/.exec(key);
  return match && isId('media', match[1]) ? match[1] : undefined;
}
