/**
 * Where the packager puts things in the object store. One place, so the origin, the recording finalizer
 * and retention agree on the layout. Must never build a key from unvalidated input (names are checked
 * by the Packager's constructor before they get here).
 */
import { masterPlaylistPath } from '../../../../core/stream';

/** `live/<streamId>/<rendition>/` — every segment and the media playlist of a rendition. */
export function renditionPrefix(streamId: string, rendition: string): string {
  return `live/${streamId}/${rendition}/`;
}

/** Relative URI of a segment inside its media playlist: the packager's own sequence number, not ffmpeg's index. */
export function segmentUri(sequence: number): string {
  return `${sequence}.ts`;
}

export function segmentKey(streamId: string, rendition: string, sequence: number): string {
  return renditionPrefix(streamId, rendition) + segmentUri(sequence);
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

/** The sequence number of a segment key of this rendition (`.../<n>.ts`), or undefined for anything else. */
export function sequenceOfKey(prefix: string, key: string): number | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const match = /^(\d{1,15})\.ts$/.exec(key.slice(prefix.length));
  return match ? Number(match[1]) : undefined;
}
