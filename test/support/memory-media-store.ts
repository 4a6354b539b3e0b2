/**
 * An in-memory MediaStore for unit tests that honours the port's contract like the DynamoDB store
 * (test/support/contracts/media-store.contract.ts): conditional put on version, copies in and out,
 * newest-first listing with opaque cursors that name a position.
 */
import { z } from 'zod';
import { checkLimit, decodeCursor, encodeCursor } from '../../adapters/dynamodb-support';
import { ConflictError } from '../../core/errors';
import { isId } from '../../core/ids';
import type { MediaItem } from '../../core/media-library/media-item';
import type { MediaStore } from '../../core/ports/media-store';
import type { Page } from '../../core/ports/stream-store';

export class MemoryMediaStore implements MediaStore {
  private readonly items = new Map<string, MediaItem>();

  all(): MediaItem[] {
    return [...this.items.values()].map((i) => structuredClone(i));
  }

  async create(item: MediaItem): Promise<boolean> {
    if (this.items.has(item.id)) return false;
    this.items.set(item.id, { ...structuredClone(item), version: 1 });
    return true;
  }

  async get(id: string): Promise<MediaItem | undefined> {
    const item = this.items.get(id);
    return item ? structuredClone(item) : undefined;
  }

  async put(next: MediaItem, condition: { expectedVersion: number }): Promise<void> {
    const current = this.items.get(next.id);
    if (!current || current.version !== condition.expectedVersion) throw new ConflictError(`Media ${next.id} changed since it was read.`);
    this.items.set(next.id, { ...structuredClone(next), version: condition.expectedVersion + 1 });
  }

  async delete(id: string): Promise<void> {
    this.items.delete(id);
  }

  async list(options: { limit: number; cursor?: string }): Promise<Page<MediaItem>> {
    checkLimit(options.limit, 1000);
    const position = (i: MediaItem) => `${i.createdAt}#${i.id}`;
    const sorted = [...this.items.values()].sort((a, b) => (position(a) < position(b) ? 1 : position(a) > position(b) ? -1 : 0));
    let start = 0;
    if (options.cursor !== undefined) {
      const cursor = decodeCursor(options.cursor, cursorSchema);
      const at = `${cursor.createdAt}#${cursor.id}`;
      const after = sorted.findIndex((i) => position(i) < at);
      start = after < 0 ? sorted.length : after;
    }
    const items = sorted.slice(start, start + options.limit).map((i) => structuredClone(i));
    const last = items[items.length - 1];
    return start + options.limit < sorted.length && last ? { items, next: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : { items };
  }
}

const cursorSchema = z.object({ v: z.literal(1), createdAt: z.iso.datetime(), id: z.string().refine((v) => isId('media', v)) }).strict();
