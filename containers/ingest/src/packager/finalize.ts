/**
 * Closes a stream's live media playlists when its session ends: each gets `#EXT-X-ENDLIST`, so players
 * stop polling and show the end instead of stalling. Idempotent; touches nothing but the playlists.
 */
import { parseMediaPlaylist, writeMediaPlaylist } from '../../../../core/hls/playlist';
import { isLiveMediaPlaylistKey, liveStreamPrefix } from '../../../../core/media/layout';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { finalizeLlPlaylists } from './ll/ll-finalize';

const PLAYLIST_CACHE_CONTROL = 'public, max-age=1';

export async function finalizeLivePlaylists(objectStore: ObjectStore, streamId: string): Promise<number> {
  const playlists = (await objectStore.list(liveStreamPrefix(streamId))).filter((o) => isLiveMediaPlaylistKey(o.key));
  let closed = 0;
  for (const { key } of playlists) {
    const body = await objectStore.get(key);
    if (!body) continue;
    const parsed = parseMediaPlaylist(Buffer.from(body).toString('utf8'));
    if (parsed.endList || parsed.segments.length === 0) continue;
    const text = writeMediaPlaylist({
      targetDuration: parsed.targetDuration,
      mediaSequence: parsed.mediaSequence,
      discontinuitySequence: parsed.discontinuitySequence,
      independentSegments: parsed.independentSegments,
      segments: parsed.segments.map((s) => ({
        uri: s.uri,
        duration: s.duration,
        ...(s.discontinuity ? { discontinuity: true } : {}),
        ...(s.gap ? { gap: true } : {}),
        ...(s.programDateTime ? { programDateTime: s.programDateTime } : {}),
        // A segment round member (core/media/layout.ts) keeps its range, or players would load the whole round.
        ...(s.byteRange ? { byteRange: { ...s.byteRange } } : {}),
      })),
      endList: true,
    });
    await objectStore.put(key, text, { contentType: 'application/vnd.apple.mpegurl', cacheControl: PLAYLIST_CACHE_CONTROL });
    closed++;
  }
  closed += await finalizeLlPlaylists(objectStore, streamId);
  return closed;
}
