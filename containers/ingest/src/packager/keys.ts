/**
 * Where the packager puts things in the object store. One place, so the origin, the recording finalizer
 * and retention agree on the layout (segment names and the recording folder come from core/recordings/recording.ts).
 * Must never build a key from unvalidated input (names are checked by the Packager's constructor before
 * they get here).
 */
import { parseSegmentFileName, recordingRenditionPrefix, segmentFileName } from '../../../../core/recordings/recording';
import { masterPlaylistPath } from '../../../../core/streams/stream';

/** `live/<streamId>/<rendition>/` — every segment and the media playlist of a rendition. */
export function renditionPrefix(streamId: string, rendition: string): string {
  return `live/${streamId}/${rendition}/`;
}

/** What names a stored segment: its live sequence number, its EXTINF in whole milliseconds, its discontinuity number. */
export interface SegmentRef {
  sequence: number;
  duration: number;
  discontinuitySequence: number;
}

/** `<seq>-<durationMs>-<disc>.ts`: the recording finalizer rebuilds VOD playlists from these names alone. */
export function segmentFile(ref: SegmentRef): string {
  return segmentFileName({ seq: ref.sequence, durationMs: Math.max(1, Math.round(ref.duration * 1000)), disc: ref.discontinuitySequence });
}

/**
 * Where a segment is stored: under the recording when the session is recorded (so the live window never
 * owns it and retention of `live/` never deletes it), else next to its live playlist.
 */
export function segmentKey(streamId: string, rendition: string, ref: SegmentRef, recordingId?: string): string {
  return recordingId ? recordingRenditionPrefix(recordingId, rendition) + segmentFile(ref) : renditionPrefix(streamId, rendition) + segmentFile(ref);
}

/** URI of a segment inside its live media playlist (`live/<streamId>/<rendition>/index.m3u8`). */
export function segmentUri(rendition: string, ref: SegmentRef, recordingId?: string): string {
  return recordingId ? `../../../${recordingRenditionPrefix(recordingId, rendition)}${segmentFile(ref)}` : segmentFile(ref);
}

export function mediaPlaylistKey(streamId: string, rendition: string): string {
  return `${renditionPrefix(streamId, rendition)}index.m3u8`;
}

/** Relative URI of a rendition's media playlist inside the master playlist. */
export function mediaPlaylistUri(rendition: string): string {
  return `${rendition}/index.m3u8`;
}

export function masterPlaylistKey(streamId: string): string {
  return masterPlaylistPath(streamId);
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
