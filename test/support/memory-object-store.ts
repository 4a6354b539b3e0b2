/**
 * An in-memory ObjectStore for unit tests: the port's semantics (lexicographic listing by prefix, copies
 * in and out) plus a log of every put and delete, for "nothing was written" assertions.
 */
import type { ObjectStore, PutOptions, StoredObject } from '../../core/ports/object-store';

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: Uint8Array; options: PutOptions }>();
  readonly puts: string[] = [];
  readonly deletes: string[] = [];
  /** Thrown by the next put of a key (once), to simulate a store failure mid-finalization. */
  readonly failNextPut = new Map<string, Error>();

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<void> {
    const failure = this.failNextPut.get(key);
    if (failure) {
      this.failNextPut.delete(key);
      throw failure;
    }
    this.puts.push(key);
    this.objects.set(key, { body: typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body), options: { ...options } });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const found = this.objects.get(key);
    return found ? new Uint8Array(found.body) : undefined;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, o]) => ({ key, size: o.body.length }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: ReadonlyArray<string>): Promise<void> {
    for (const key of keys) {
      this.deletes.push(key);
      this.objects.delete(key);
    }
  }

  text(key: string): string | undefined {
    const found = this.objects.get(key);
    return found ? new TextDecoder().decode(found.body) : undefined;
  }

  putSegment(key: string, size = 1000): void {
    this.objects.set(key, { body: new Uint8Array(size), options: { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' } });
  }
}
