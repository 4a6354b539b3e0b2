/**
 * Use cases of the media library: create an item (and its upload URL), read, list, delete (refused while
 * a channel uses it), and settle an upload once its bytes are stored — probe, then `ready` with the facts
 * or `failed` with the reason and the bytes deleted. Every status change is a conditional write, so a
 * duplicated queue message or a DELETE racing the probe settles an item once.
 * Must never: keep the bytes of a failed item, or emit an event for a change that did not land.
 */
import type { EmitEvent } from '../events/emit-event';
import { ConflictError, InvalidIdError, NotFoundError, StreamplaneError } from '../errors';
import { isId, newId } from '../ids';
import { libraryObjectKey } from '../media/layout';
import type { Clock } from '../ports/clock';
import type { MediaProber, MediaStore, MediaUploadTarget } from '../ports/media-store';
import type { ObjectStore } from '../ports/object-store';
import type { Page, StreamStore } from '../ports/stream-store';
import { streamsUsingMedia } from './channel-media';
import { tooLargeMessage, UPLOAD_URL_TTL_SECONDS, type MediaFailure, type MediaItem } from './media-item';
import { interpretProbe, type ProbeFacts } from './probe-result';

export interface MediaLibraryDeps {
  media: MediaStore;
  emit: EmitEvent;
  clock: Clock;
}

export interface UploadTicket {
  url: string;
  method: 'PUT';
  expiresAt: string;
}

export async function createMediaItem(deps: Pick<MediaLibraryDeps, 'media' | 'clock'> & { uploads: MediaUploadTarget }, input: { name: string }): Promise<{ item: MediaItem; upload: UploadTicket }> {
  const now = deps.clock.now();
  const id = newId('media');
  const expiresAt = new Date(now.getTime() + UPLOAD_URL_TTL_SECONDS * 1000);
  const item: MediaItem = {
    id,
    name: input.name,
    status: 'uploading',
    objectKey: libraryObjectKey(id),
    uploadExpiresAt: expiresAt.toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  const upload = await deps.uploads.issue(item, expiresAt);
  if (!(await deps.media.create(item))) throw new StreamplaneError('internal', 'A media id collided.');
  return { item, upload: { ...upload, expiresAt: item.uploadExpiresAt } };
}

export async function requireMediaItem(media: Pick<MediaStore, 'get'>, id: string): Promise<MediaItem> {
  if (!isId('media', id)) throw new InvalidIdError('media');
  const item = await media.get(id);
  if (!item) throw new NotFoundError('media', id);
  return item;
}

export function listMediaItems(deps: Pick<MediaLibraryDeps, 'media'>, options: { limit: number; cursor?: string }): Promise<Page<MediaItem>> {
  return deps.media.list(options);
}

/** Deletes the item and its bytes; refused with `in_use` while a stream's fallback or slate names it. */
export async function deleteMediaItem(
  deps: Pick<MediaLibraryDeps, 'media'> & { objectStore: Pick<ObjectStore, 'delete'>; streams: Pick<StreamStore, 'list'> },
  id: string,
): Promise<void> {
  const item = await requireMediaItem(deps.media, id);
  const users = await streamsUsingMedia(deps.streams, id);
  if (users.length > 0) {
    throw new StreamplaneError('in_use', `Media ${id} is used by ${users.length === 1 ? 'stream' : 'streams'} ${users.slice(0, 5).join(', ')} (fallback or slate); remove it there first.`);
  }
  await deps.media.delete(id);
  await deps.objectStore.delete([item.objectKey]);
}

export interface SettleDeps extends MediaLibraryDeps {
  objectStore: Pick<ObjectStore, 'delete'>;
  prober: MediaProber;
  maxBytes: number;
}

export type SettleResult = { status: 'ready'; item: MediaItem } | { status: 'failed'; item: MediaItem } | { status: 'skipped'; reason: string };

/**
 * An upload's bytes are stored (`bytes` long): probe them and settle the item. Idempotent: an item that
 * is no longer `uploading` is left alone (a duplicate message, a second PUT after it settled).
 */
export async function settleUpload(deps: SettleDeps, input: { mediaId: string; bytes: number }): Promise<SettleResult> {
  const item = await deps.media.get(input.mediaId);
  if (!item) {
    // Deleted while uploading: whatever arrived is not kept.
    await deps.objectStore.delete([libraryObjectKey(input.mediaId)]);
    return { status: 'skipped', reason: 'no such item' };
  }
  if (item.status !== 'uploading') return { status: 'skipped', reason: `already ${item.status}` };
  if (input.bytes > deps.maxBytes) return failUpload(deps, item, 'too_large', tooLargeMessage(deps.maxBytes), input.bytes);
  const outcome = interpretProbe(await deps.prober.probe(item.objectKey));
  if (!outcome.ok) return failUpload(deps, item, outcome.failure, outcome.error, input.bytes);
  return markReady(deps, item, outcome.facts, input.bytes);
}

async function markReady(deps: SettleDeps, item: MediaItem, facts: ProbeFacts, bytes: number): Promise<SettleResult> {
  const next: MediaItem = { ...item, status: 'ready', ...facts, bytes, updatedAt: deps.clock.now().toISOString() };
  if (!(await landed(deps, next, item.version))) return { status: 'skipped', reason: 'changed concurrently' };
  const stored = { ...next, version: item.version + 1 };
  await deps.emit({
    type: 'media.ready',
    streamId: null,
    data: { mediaId: item.id, name: item.name, kind: facts.kind, durationSeconds: facts.durationSeconds, codecs: facts.codecs, bytes },
  });
  return { status: 'ready', item: stored };
}

/** Marks the item failed and deletes its bytes (bytes first: a crash in between leaves an item to retry, never orphaned bytes of a failed one). */
export async function failUpload(deps: Pick<SettleDeps, 'media' | 'emit' | 'clock' | 'objectStore'>, item: MediaItem, failure: MediaFailure, error: string, bytes?: number): Promise<SettleResult> {
  await deps.objectStore.delete([item.objectKey]);
  const next: MediaItem = { ...item, status: 'failed', failure, error, updatedAt: deps.clock.now().toISOString() };
  if (bytes !== undefined) next.bytes = bytes;
  if (!(await landed(deps, next, item.version))) return { status: 'skipped', reason: 'changed concurrently' };
  await deps.emit({ type: 'media.failed', streamId: null, data: { mediaId: item.id, name: item.name, reason: failure, error } });
  return { status: 'failed', item: { ...next, version: item.version + 1 } };
}

async function landed(deps: Pick<MediaLibraryDeps, 'media'>, next: MediaItem, expectedVersion: number): Promise<boolean> {
  try {
    await deps.media.put(next, { expectedVersion });
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
}

/** Whether an upload for `item` may still be accepted now (uploading and inside its URL's lifetime). */
export function acceptsUpload(item: MediaItem, now: Date): boolean {
  return item.status === 'uploading' && now.getTime() < Date.parse(item.uploadExpiresAt);
}
