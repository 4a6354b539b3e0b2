/**
 * The packager's public surface: one Packager per live session of a stream, plus the store options other
 * components must agree with (the key layout is core/media/layout.ts).
 */
export { Packager } from './packager';
export { PackagerStateError } from './errors';
export { PLAYLIST_PUT_OPTIONS, RENDITION_PLAN_PUT_OPTIONS } from './playlist-writer';
export { SEGMENT_PUT_OPTIONS } from './upload-worker';
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
