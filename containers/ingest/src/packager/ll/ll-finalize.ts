/**
 * Closes a stream's LL-HLS playlists when its session ends (after the reconnect window, like
 * finalize.ts does for the classic ones): EXT-X-ENDLIST, and no preload hint or parts of a segment that
 * will never complete, so players stop blocking on a part that will not come. Idempotent.
 * Must never touch anything but `live/<stream>/<rendition>/ll.m3u8`.
 */
import { parseLiveKey, liveStreamPrefix } from '../../../../../core/media/layout';
import type { ObjectStore } from '../../../../../core/ports/object-store';
import { LL_PLAYLIST_FILE } from './ll-rendition';

/** The playlist text with EXT-X-ENDLIST; undefined when it already has one or lists no segment. */
export function endLlPlaylist(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.some((l) => l.trim() === '#EXT-X-ENDLIST')) return undefined;
  const lastUri = lines.reduce((at, l, i) => (l.startsWith('#') ? at : i), -1);
  if (lastUri === -1) return undefined;
  // Everything after the last segment is the unfinished one, the hint and the reports: dropped.
  return [...lines.slice(0, lastUri + 1), '#EXT-X-ENDLIST'].join('\n') + '\n';
}

export async function finalizeLlPlaylists(store: ObjectStore, streamId: string): Promise<number> {
  let closed = 0;
  for (const { key } of await store.list(liveStreamPrefix(streamId))) {
    const parsed = parseLiveKey(key);
    if (!parsed?.rendition || parsed.file !== LL_PLAYLIST_FILE) continue;
    const body = await store.get(key);
    const ended = body === undefined ? undefined : endLlPlaylist(Buffer.from(body).toString('utf8'));
    if (!ended) continue;
    await store.put(key, ended, { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' });
    closed++;
  }
  return closed;
}
