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
