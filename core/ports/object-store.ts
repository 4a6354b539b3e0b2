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
