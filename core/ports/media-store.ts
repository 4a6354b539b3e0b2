/**
 * Storage of media library items (DynamoDB in both planes). Status changes (uploading → ready | failed)
 * are conditional writes on the version that was read, so a duplicated probe message or a DELETE racing
 * a probe cannot resurrect or overwrite an item. Must never return storage attributes to callers.
 */
import type { MediaItem } from '../media-library/media-item';
import type { ProbeRun } from '../media-library/probe-result';
import type { Page } from './stream-store';

export interface MediaStore {
  /** Stores a new item (version 1). False, and nothing written, when an item with this id exists. */
  create(item: MediaItem): Promise<boolean>;
  /** Strongly consistent. */
  get(id: string): Promise<MediaItem | undefined>;
  /** Replaces the item if its stored version is `expectedVersion` (stored as +1); ConflictError otherwise, also when gone. */
  put(next: MediaItem, condition: { expectedVersion: number }): Promise<void>;
  /** Removes the item; gone already is fine. */
  delete(id: string): Promise<void>;
  /** All items, newest first, page by page. */
  list(options: { limit: number; cursor?: string }): Promise<Page<MediaItem>>;
}

/** Where a client sends the bytes of a new item: a signed URL on the local plane, a presigned S3 PUT in the cloud. */
export interface MediaUploadTarget {
  issue(item: Pick<MediaItem, 'id' | 'objectKey'>, expiresAt: Date): Promise<{ url: string; method: 'PUT' }>;
}

/** What the library checks a file for once its bytes are stored. */
export interface MediaProber {
  /** Runs ffprobe (or equivalent) over the stored object; the run is interpreted by core (probe-result.ts). */
  probe(objectKey: string): Promise<ProbeRun>;
}
