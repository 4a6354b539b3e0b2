/**
 * An in-memory StreamStore for unit tests that honours the port's contract exactly like the DynamoDB
 * store: conditional put on version, key hash and status; duplicate detection; atomic key replacement;
 * copies in and out (callers can never mutate stored state); an opaque list cursor validated as strictly
 * as the DynamoDB one (the contract in test/support/contracts/stream-store.contract.ts checks both).
 * `beforeWrite` lets a test slip a concurrent change in just before a conditional write.
 */
import { z } from 'zod';
import { checkLimit, decodeCursor, encodeCursor } from '../../adapters/dynamodb-support';
import { ConflictError, DuplicateError, NotFoundError } from '../../core/errors';
import { isId } from '../../core/ids';
import type { Page, StreamStore } from '../../core/ports/stream-store';
import type { Stream, StreamStatus } from '../../core/streams/stream';

export class MemoryStreamStore implements StreamStore {
  private readonly streams = new Map<string, Stream>();
  private readonly keys = new Map<string, string>();
  private readonly sequences = new Map<string, number>();
  /** Runs once, before the next put/replaceKeyHash checks its condition, then clears itself. */
  beforeWrite: ((id: string) => Promise<void> | void) | undefined;
  /** Every successful mutation, for "nothing was stored" assertions. */
  writes = 0;

  get size(): number {
    return this.streams.size;
  }

  async create(stream: Stream): Promise<void> {
    if (this.streams.has(stream.id)) throw new DuplicateError(`A stream with id ${stream.id} already exists.`);
    if (this.keys.has(stream.keyHash)) throw new DuplicateError('A stream with this key already exists.');
    this.streams.set(stream.id, structuredClone(stream));
    this.keys.set(stream.keyHash, stream.id);
    this.writes++;
  }

  async get(id: string): Promise<Stream | undefined> {
    const stream = this.streams.get(id);
    return stream ? structuredClone(stream) : undefined;
  }

  async getByKeyHash(keyHash: string): Promise<Stream | undefined> {
    const id = this.keys.get(keyHash);
    return id === undefined ? undefined : this.get(id);
  }

  async list(options: { limit: number; cursor?: string }): Promise<Page<Stream>> {
    checkLimit(options.limit, MAX_LIST_LIMIT);
    const all = [...this.streams.values()].sort((a, b) => compare(b, a));
    let start = 0;
    if (options.cursor !== undefined) {
      const position = decodeCursor(options.cursor, cursorSchema);
      start = all.findIndex((s) => compare(s, position) < 0);
      if (start < 0) start = all.length;
    }
    const items = all.slice(start, start + options.limit).map((s) => structuredClone(s));
    const last = items[items.length - 1];
    const more = start + options.limit < all.length;
    return more && last ? { items, next: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : { items };
  }

  async put(next: Stream, condition: { expectedVersion: number; expectedStatus?: ReadonlyArray<StreamStatus> }): Promise<void> {
    await this.runBeforeWrite(next.id);
    const current = this.streams.get(next.id);
    if (
      !current ||
      current.version !== condition.expectedVersion ||
      current.keyHash !== next.keyHash ||
      (condition.expectedStatus && !condition.expectedStatus.includes(current.status))
    ) {
      throw new ConflictError(`Stream ${next.id} changed since it was read.`);
    }
    this.streams.set(next.id, { ...structuredClone(next), version: condition.expectedVersion + 1 });
    this.writes++;
  }

  async replaceKeyHash(id: string, oldHash: string, newHash: string, next: Stream, expectedVersion: number): Promise<void> {
    await this.runBeforeWrite(id);
    const current = this.streams.get(id);
    if (!current || current.version !== expectedVersion || current.keyHash !== oldHash) throw new ConflictError(`Stream ${id} changed since it was read.`);
    if (this.keys.has(newHash)) throw new DuplicateError('A stream with this key already exists.');
    this.keys.delete(oldHash);
    this.keys.set(newHash, id);
    this.streams.set(id, { ...structuredClone(next), keyHash: newHash, version: expectedVersion + 1 });
    this.writes++;
  }

  async delete(id: string): Promise<Stream> {
    const current = this.streams.get(id);
    if (!current) throw new NotFoundError('stream', id);
    this.streams.delete(id);
    this.keys.delete(current.keyHash);
    this.writes++;
    return structuredClone(current);
  }

  private async runBeforeWrite(id: string): Promise<void> {
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    await hook?.(id);
  }

  async nextSequence(streamId: string | null): Promise<number> {
    const key = streamId ?? '-';
    const value = (this.sequences.get(key) ?? 0) + 1;
    this.sequences.set(key, value);
    return value;
  }
}

/** Newest first, like the DynamoDB index (createdAt, then id). */
function compare(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const MAX_LIST_LIMIT = 1000;
const cursorSchema = z.object({ v: z.literal(1), createdAt: z.iso.datetime(), id: z.string().refine((v) => isId('stream', v)) }).strict();
