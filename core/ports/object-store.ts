/** Where HLS media and playlists go: S3 in the cloud, a folder locally. Keys use `/` separators. */
export interface PutOptions {
  contentType: string;
  cacheControl: string;
}

export interface StoredObject {
  key: string;
  size: number;
}

export interface ObjectStore {
  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every object whose key starts with prefix, in lexicographic key order. */
  list(prefix: string): Promise<StoredObject[]>;
  delete(keys: ReadonlyArray<string>): Promise<void>;
}

export interface PutStreamOptions extends PutOptions {
  /** More bytes than this: the put fails with `payload_too_large` and nothing is kept. */
  maxBytes: number;
  /** The body's length when known up front (S3 needs it for a single streamed PUT). */
  contentLength?: number;
}

/**
 * An object store that takes a body as a stream (uploads of gigabytes), never holding it whole. The
 * object appears only once every byte arrived; an aborted, failed or oversized put leaves nothing.
 */
export interface StreamingObjectStore {
  putStream(key: string, body: AsyncIterable<Uint8Array>, options: PutStreamOptions): Promise<{ bytes: number }>;
}

/**
 * An object store that can take over a finished local file as an object without reading it into memory
 * (a folder on the same disk moves it into place; S3 streams it from disk). The packager hands it each
 * segment ffmpeg wrote to scratch: on a live stream that saves a Buffer of every segment (and, on the same
 * disk, its read and write).
 */
export interface FileAdoptingObjectStore {
  /**
   * Stores the file at `path` as `key` and takes it: on success the file is no longer at `path`. Undefined
   * (nothing stored) when there is no file at `path`. On failure the file stays where it was.
   */
  adoptFile(key: string, path: string, options: PutOptions): Promise<{ bytes: number; modifiedAtMs: number } | undefined>;
}

export function canAdoptFiles<T extends ObjectStore>(store: T): store is T & FileAdoptingObjectStore {
  return typeof (store as Partial<FileAdoptingObjectStore>).adoptFile === 'function';
}
