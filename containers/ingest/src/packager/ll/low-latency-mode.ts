/**
 * What `latencyMode: low` changes in a session, in one place: segments of at most 2 s (the issue's
 * 1–2 s; latency comes from the parts, so the ladder — and its CPU — stays the normal one at the
 * default 2 s, and a 2 s-GOP source can still be passed through), and the master naming each
 * rendition's LL-HLS playlist instead of the classic one.
 * Must never change anything for normal sessions.
 */
import { mediaPlaylistUri } from '../../../../../core/media/layout';
import type { LadderOptions } from '../../../../../core/transcode/ladder';
import { LL_PLAYLIST_FILE } from './ll-rendition';

/** The longest segment of a low-latency session. */
export const LOW_LATENCY_MAX_SEGMENT_SECONDS = 2;

export function lowLatencyLadder(options: LadderOptions): LadderOptions {
  return { ...options, segmentSeconds: Math.min(options.segmentSeconds ?? LOW_LATENCY_MAX_SEGMENT_SECONDS, LOW_LATENCY_MAX_SEGMENT_SECONDS) };
}

export function lowLatencyVariantUri(rendition: string): string {
  return mediaPlaylistUri(rendition).replace(/index\.m3u8$/, LL_PLAYLIST_FILE);
}
