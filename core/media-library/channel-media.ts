/**
 * A stream's channel settings as far as the media library is concerned: the fallback list and the slate
 * item (validated against the library: every id must exist and be `ready`), which streams use an item
 * (DELETE refuses those with `in_use`), and `resolveChannelMedia`, the one place the playout engine asks
 * which files to play, in order. Pure: stores come in as lookups.
 * Must never: accept an id that is not `ready`, or hand the playout an item that is not `ready`.
 */
import { z } from 'zod';
import { StreamplaneError } from '../errors';
import { isId } from '../ids';
import type { MediaStore } from '../ports/media-store';
import type { StreamStore } from '../ports/stream-store';
import type { MediaItem, MediaKind } from './media-item';

export const FALLBACK_ORDERS = ['sequential', 'shuffle'] as const;
export type FallbackOrder = (typeof FALLBACK_ORDERS)[number];
export const MAX_FALLBACK_ITEMS = 50;

export interface ChannelFallback {
  mediaIds: string[];
  order: FallbackOrder;
}

/** The channel fields of a stream (absent on older records: null, null, true). */
export interface ChannelSettings {
  fallback?: ChannelFallback | null;
  slateMediaId?: string | null;
  reconnectSlate?: boolean;
}

export const DEFAULT_RECONNECT_SLATE = true;

const mediaId = z.string().refine((v) => isId('media', v), 'must be a media id (med_…)');

export const fallbackInput = z
  .object({
    mediaIds: z.array(mediaId).min(1, 'must list 1 to 50 media ids').max(MAX_FALLBACK_ITEMS, 'must list 1 to 50 media ids'),
    order: z.enum(FALLBACK_ORDERS).default('sequential'),
  })
  .strict()
  .nullable()
  .describe('Library files played, looping, while no publisher is live (`null`: none, the default). Every id must be a `ready` item.');
export const slateMediaIdInput = mediaId.nullable().describe('Library image or clip shown during the reconnect window (`null`: the generated default slate).');
export const reconnectSlateInput = z.boolean().describe('Fill the reconnect window with slate segments (default true); false keeps the playlist as it was.');

/** What a stream's channel settings mean for its view (defaults for older records). */
export function channelView(settings: ChannelSettings): { fallback: ChannelFallback | null; slateMediaId: string | null; reconnectSlate: boolean } {
  return {
    fallback: settings.fallback ? { mediaIds: [...settings.fallback.mediaIds], order: settings.fallback.order } : null,
    slateMediaId: settings.slateMediaId ?? null,
    reconnectSlate: settings.reconnectSlate ?? DEFAULT_RECONNECT_SLATE,
  };
}

export type MediaLookup = Pick<MediaStore, 'get'>;

/**
 * Refuses settings whose ids are unknown (400 `unknown_media`) or not ready (409 `media_not_ready`), and
 * still pictures in a fallback (a fallback plays clips; a picture is a slate).
 */
export async function checkChannelMedia(lookup: MediaLookup | undefined, settings: { fallback?: ChannelFallback | null | undefined; slateMediaId?: string | null | undefined }): Promise<void> {
  const fallbackIds = settings.fallback?.mediaIds ?? [];
  const slate = settings.slateMediaId ?? undefined;
  if (fallbackIds.length === 0 && slate === undefined) return;
  if (!lookup) throw new StreamplaneError('unavailable', 'The media library is not available in this deployment.');
  const unique = [...new Set([...fallbackIds, ...(slate ? [slate] : [])])];
  const items = new Map<string, MediaItem | undefined>();
  for (const id of unique) items.set(id, await lookup.get(id));
  const unknown = unique.filter((id) => !items.get(id));
  if (unknown.length > 0) {
    throw new StreamplaneError('unknown_media', `No media with id ${unknown.join(', ')}.`, { details: unknown.map((id) => ({ path: pathOf(id, fallbackIds, slate), message: 'no such media item' })) });
  }
  const notReady = unique.filter((id) => items.get(id)?.status !== 'ready');
  if (notReady.length > 0) {
    throw new StreamplaneError('media_not_ready', `Media ${notReady.join(', ')} ${notReady.length === 1 ? 'is' : 'are'} not ready (still uploading or failed).`, {
      details: notReady.map((id) => ({ path: pathOf(id, fallbackIds, slate), message: `is ${items.get(id)?.status}` })),
    });
  }
  const stills = fallbackIds.filter((id) => items.get(id)?.still);
  if (stills.length > 0) {
    throw new StreamplaneError('validation', `Media ${stills.join(', ')} ${stills.length === 1 ? 'is a still picture' : 'are still pictures'}: a fallback plays audio or video clips (use a picture as slateMediaId).`, {
      details: stills.map((id) => ({ path: `fallback.mediaIds[${fallbackIds.indexOf(id)}]`, message: 'is a still picture' })),
    });
  }
}

function pathOf(id: string, fallbackIds: string[], slate: string | undefined): string {
  const index = fallbackIds.indexOf(id);
  return index >= 0 ? `fallback.mediaIds[${index}]` : slate === id ? 'slateMediaId' : 'mediaIds';
}

/** Whether a stream's fallback or slate names `mediaId`. */
export function usesMedia(settings: ChannelSettings, mediaId: string): boolean {
  return settings.slateMediaId === mediaId || (settings.fallback?.mediaIds.includes(mediaId) ?? false);
}

/** Ids of the streams whose fallback or slate names `mediaId` (pages through the whole registry). */
export async function streamsUsingMedia(streams: Pick<StreamStore, 'list'>, mediaId: string): Promise<string[]> {
  const users: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await streams.list({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const stream of page.items) if (usesMedia(stream, mediaId)) users.push(stream.id);
    cursor = page.next;
  } while (cursor);
  return users;
}

/** One file the playout engine plays. */
export interface PlayoutItem {
  mediaId: string;
  objectKey: string;
  kind: MediaKind;
  durationSeconds: number;
  still?: boolean;
}

export interface ChannelMedia {
  /** The fallback files in play order (`order` as configured; shuffling is the engine's, per loop). */
  fallback: PlayoutItem[];
  order: FallbackOrder;
  /** The slate item, or null for the generated default slate. */
  slate: PlayoutItem | null;
  reconnectSlate: boolean;
  /** Ids named by the settings that are gone or not ready any more; skipped above. */
  missing: string[];
}

/**
 * For the playout engine: the stream's fallback list and slate as playable items, in order. Items that
 * were deleted or are not ready any more are skipped and reported in `missing`, never played.
 */
export async function resolveChannelMedia(stream: ChannelSettings, lookup: MediaLookup): Promise<ChannelMedia> {
  const missing: string[] = [];
  const resolve = async (id: string): Promise<PlayoutItem | undefined> => {
    const item = await lookup.get(id);
    if (!item || item.status !== 'ready' || item.kind === undefined || item.durationSeconds === undefined) {
      missing.push(id);
      return undefined;
    }
    const out: PlayoutItem = { mediaId: item.id, objectKey: item.objectKey, kind: item.kind, durationSeconds: item.durationSeconds };
    if (item.still) out.still = true;
    return out;
  };
  const fallback: PlayoutItem[] = [];
  for (const id of stream.fallback?.mediaIds ?? []) {
    const item = await resolve(id);
    if (item && !item.still) fallback.push(item);
  }
  const slate = stream.slateMediaId ? ((await resolve(stream.slateMediaId)) ?? null) : null;
  return { fallback, order: stream.fallback?.order ?? 'sequential', slate, reconnectSlate: stream.reconnectSlate ?? DEFAULT_RECONNECT_SLATE, missing };
}

/** Applies the channel fields of a PATCH to `next` (a copy of `current`); returns the names that changed. */
export function applyChannelPatch(next: ChannelSettings, current: ChannelSettings, patch: ChannelSettings): string[] {
  const changed: string[] = [];
  const view = channelView(current);
  if (patch.fallback !== undefined && JSON.stringify(patch.fallback) !== JSON.stringify(view.fallback)) {
    if (patch.fallback === null) delete next.fallback;
    else next.fallback = { mediaIds: [...patch.fallback.mediaIds], order: patch.fallback.order };
    changed.push('fallback');
  }
  if (patch.slateMediaId !== undefined && patch.slateMediaId !== view.slateMediaId) {
    if (patch.slateMediaId === null) delete next.slateMediaId;
    else next.slateMediaId = patch.slateMediaId;
    changed.push('slateMediaId');
  }
  if (patch.reconnectSlate !== undefined && patch.reconnectSlate !== view.reconnectSlate) {
    if (patch.reconnectSlate) delete next.reconnectSlate;
    else next.reconnectSlate = false;
    changed.push('reconnectSlate');
  }
  return changed;
}
