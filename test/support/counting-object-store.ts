/**
 * An object store that counts PUTs per key, as the bill does, in front of a real one (s3rver in the
 * cost tests: playlist bundles, segment rounds; the packager test's checking store builds on it).
 */
import type { ObjectStore, PutOptions, StoredObject } from '../../core/ports/object-store';

export class CountingStore implements ObjectStore {
  readonly puts = new Map<string, number>();
  constructor(protected readonly inner: ObjectStore) {}
  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<void> {
    this.count(key);
    return this.inner.put(key, body, options);
  }
  /** Counts one PUT attempt of `key` (a subclass that fails or holds puts counts before it does). */
  protected count(key: string): void {
    this.puts.set(key, (this.puts.get(key) ?? 0) + 1);
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
