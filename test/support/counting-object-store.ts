/**
 * An object store that counts PUTs per key, as the bill does, in front of a real one (s3rver in the
 * cost tests: playlist bundles, segment rounds).
 */
import type { ObjectStore, PutOptions, StoredObject } from '../../core/ports/object-store';

export class CountingStore implements ObjectStore {
  readonly puts = new Map<string, number>();
  constructor(private readonly inner: ObjectStore) {}
  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<void> {
    this.puts.set(key, (this.puts.get(key) ?? 0) + 1);
    return this.inner.put(key, body, options);
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }
  list(prefix: string): Promise<StoredObject[]> {
    return this.inner.list(prefix);
  }
  delete(keys: ReadonlyArray<string>): Promise<void> {
    return this.inner.delete(keys);
  }
  /** PUTs of the keys `predicate` accepts. */
  total(predicate: (key: string) => boolean): number {
    return [...this.puts].filter(([k]) => predicate(k)).reduce((n, [, c]) => n + c, 0);
  }
}
