/**
 * Parts of LL-HLS being written, shared between the packager (which writes them frame by frame) and an
 * origin in the same process (which streams a preload-hinted part to players while it grows, as
 * RFC 8216bis expects of a server answering a hinted request). Keys are object-store keys.
 * Must never hold a part after it is stored and closed (the store serves it from then on).
 */
export interface LivePartSink {
  open(key: string): void;
  append(key: string, bytes: Uint8Array): void;
  /** The part is complete (no more bytes). */
  close(key: string): void;
  /** The part is in the object store: forget it. */
  stored(key: string): void;
}

export interface LivePartReader {
  /**
   * The part's bytes so far and then as they come, ending when it is complete; undefined when no part
   * of that key is being written (or it is already stored).
   */
  follow(key: string, signal?: AbortSignal): AsyncIterable<Uint8Array> | undefined;
  /** Resolves true when `key` is opened within `ms`, false otherwise (a request slightly ahead of the hint). */
  waitForOpen(key: string, ms: number): Promise<boolean>;
}
