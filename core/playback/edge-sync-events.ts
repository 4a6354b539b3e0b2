/**
 * The events after which the CDN edge's view of playback policies must be refreshed (the cloud's
 * playback edge sync subscribes to exactly these; lib/ builds its EventBridge rule from this list).
 */
import type { EventType } from '../events/catalog';

export const EDGE_SYNC_EVENT_TYPES: ReadonlyArray<EventType> = ['stream.created', 'stream.updated', 'stream.deleted', 'recording.started'];
