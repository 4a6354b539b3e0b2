/**
 * What a stream's channel settings resolve to for playout: the fallback playlist's media items (already
 * probed, stored in the object store), the slate, and whether the reconnect slate is on. The media library
 * implements it; the ingest's feeds consume it and never read the library's records themselves.
 * Must never return an item that is not `ready` (its object might be missing or not media).
 */

/** A probed media file in the object store, as the feeds need it. */
export interface ChannelMediaItem {
  mediaId: string;
  /** Key of the file's bytes in the object store. */
  objectKey: string;
  kind: 'audio' | 'video';
  durationSeconds: number;
}

export type FallbackOrder = 'sequential' | 'shuffle';

export interface ResolvedChannelMedia {
  /** null: the stream has no fallback (or none of its items is ready). */
  fallback: { items: ChannelMediaItem[]; order: FallbackOrder } | null;
  /** The stream's `slateMediaId` item, or null for the generated default slate. */
  slate: ChannelMediaItem | null;
  /** Slate segments while the publisher is gone inside the reconnect window. */
  reconnectSlate: boolean;
}

export interface ChannelMediaSource {
  /** undefined: the stream does not exist (deleted). */
  resolve(streamId: string): Promise<ResolvedChannelMedia | undefined>;
}

/** For a plane without a media library: no stream has a fallback or a slate. */
export const noChannelMedia: ChannelMediaSource = {
  resolve: async () => ({ fallback: null, slate: null, reconnectSlate: false }),
};
