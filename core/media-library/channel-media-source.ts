/**
 * The playout engine's view of the media library: a stream's fallback list and slate resolved to stored
 * files (the ChannelMediaSource port), from the stream record and the library. Pure over its two ports.
 * Must never hand the engine an item that is not `ready` (resolveChannelMedia skips those).
 */
import type { ChannelMediaItem, ChannelMediaSource } from '../ports/channel-media';
import type { StreamStore } from '../ports/stream-store';
import { resolveChannelMedia, type MediaLookup, type PlayoutItem } from './channel-media';

export function libraryChannelMedia(streams: Pick<StreamStore, 'get'>, media: MediaLookup): ChannelMediaSource {
  const toItem = (item: PlayoutItem): ChannelMediaItem => ({ mediaId: item.mediaId, objectKey: item.objectKey, kind: item.kind, durationSeconds: item.durationSeconds });
  return {
    async resolve(streamId) {
      const stream = await streams.get(streamId);
      if (!stream) return undefined;
      const resolved = await resolveChannelMedia(stream, media);
      return {
        fallback: resolved.fallback.length > 0 ? { items: resolved.fallback.map(toItem), order: resolved.order } : null,
        slate: resolved.slate ? toItem(resolved.slate) : null,
        reconnectSlate: resolved.reconnectSlate,
      };
    },
  };
}
