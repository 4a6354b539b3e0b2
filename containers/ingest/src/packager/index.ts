/**
 * The packager's public surface: one Packager per live session of a stream, plus the key layout and
 * store options other components (origin, recordings, retention) must agree with.
 */
export { Packager, PackagerStateError, PLAYLIST_PUT_OPTIONS, RENDITION_PLAN_PUT_OPTIONS, SEGMENT_LIST_FILE, SEGMENT_PUT_OPTIONS } from './packager';
export { masterPlaylistKey, mediaPlaylistKey, mediaPlaylistUri, renditionPrefix, segmentFile, segmentKey, segmentUri, type SegmentRef } from './keys';
export type {
  PackagerEvents,
  PackagerGapEvent,
  PackagerLiveEvent,
  PackagerOptions,
  PackagerReleasedEvent,
  PackagerSegmentEvent,
  PackagerStats,
  RenditionPlan,
  RenditionStats,
  StopOptions,
} from './types';
