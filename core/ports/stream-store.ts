import type { Stream, StreamStatus } from '../streams/stream';

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, absent on the last page. */
  next?: string;
}

/**
 * The stream registry. Writes that change `status` are conditional on the status (and version) the caller
 * read, so two writers racing on one stream cannot both win; the loser gets a ConflictError.
 */
export interface StreamStore {
  /** Fails with DuplicateError when the id or key hash already exists. */
  create(stream: Stream): Promise<void>;
  get(id: string): Promise<Stream | undefined>;
  getByKeyHash(keyHash: string): Promise<Stream | undefined>;
  list(options: { limit: number; cursor?: string }): Promise<Page<Stream>>;
  /**
   * Replaces the stream if its stored version is `expectedVersion` (and, when given, its status is one of
   * `expectedStatus`). Stores `next` with version expectedVersion + 1. ConflictError otherwise.
   */
  put(next: Stream, condition: { expectedVersion: number; expectedStatus?: ReadonlyArray<StreamStatus> }): Promise<void>;
  /** Replaces the key hash atomically (the old hash stops resolving). */
  replaceKeyHash(id: string, oldHash: string, newHash: string, next: Stream, expectedVersion: number): Promise<void>;
  /** Deletes the stream and its key; returns the stream as it was at the moment of deletion. */
  delete(id: string): Promise<Stream>;
  /** Atomically allocates the next event sequence number for a stream (or for stream-less events). */
  nextSequence(streamId: string | null): Promise<number>;
}
