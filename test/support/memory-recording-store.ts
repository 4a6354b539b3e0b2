/**
 * An in-memory RecordingStore for unit tests that honours the port's contract like the DynamoDB store:
 * conditional put/delete on version (and on stream and session), copies in and out, opaque cursors bound
 * to the listing they came from (checked by test/support/contracts/recording-store.contract.ts) that
 * name a position rather than an item (like DynamoDB's ExclusiveStartKey: still valid once the item
 * they end on is deleted, which is what a retention sweep does while it pages).
 * `beforeWrite` lets a test slip a concurrent change in just before a conditional write.
 */
import { z } from 'zod';
import { checkLimit, decodeCursor, encodeCursor, invalidCursor } from '../../adapters/dynamodb-support';
import { ConflictError } from '../../core/errors';
import { isId } from '../../core/ids';
import type { RecordingStore } from '../../core/ports/recording-store';
import type { Page } from '../../core/ports/stream-store';
import { isUnsettled, type Recording } from '../../core/recordings/recording';

export class MemoryRecordingStore implements RecordingStore {
  private readonly records = new Map<string, Recording>();
  beforeWrite: ((id: string) => Promise<void> | void) | undefined;
  writes = 0;

  all(): Recording[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  async create(recording: Recording): Promise<boolean> {
    if (this.records.has(recording.id)) return false;
    this.records.set(recording.id, { ...structuredClone(recording), version: 1 });
    this.writes++;
    return true;
  }

  async get(id: string): Promise<Recording | undefined> {
    const r = this.records.get(id);
    return r ? structuredClone(r) : undefined;
  }

  async put(next: Recording, condition: { expectedVersion: number }): Promise<void> {
    await this.runBeforeWrite(next.id);
    const current = this.records.get(next.id);
    if (!current || current.version !== condition.expectedVersion || current.streamId !== next.streamId || current.sessionId !== next.sessionId) {
      throw new ConflictError(`Recording ${next.id} changed since it was read.`);
    }
    this.records.set(next.id, { ...structuredClone(next), version: condition.expectedVersion + 1 });
    this.writes++;
  }

  async delete(id: string, condition: { expectedVersion: number }): Promise<void> {
    await this.runBeforeWrite(id);
    const current = this.records.get(id);
    if (!current) return;
    if (current.version !== condition.expectedVersion) throw new ConflictError(`Recording ${id} changed since it was read.`);
    this.records.delete(id);
    this.writes++;
  }

  async listByStream(streamId: string, options: { limit: number; cursor?: string }): Promise<Page<Recording>> {
    const all = [...this.records.values()].filter((r) => r.streamId === streamId).sort((a, b) => order(b, a));
    return page(all, options, `stream:${streamId}`, 'descending');
  }

  async listUnsettled(options: { limit: number; cursor?: string }): Promise<Page<Recording>> {
    return page([...this.records.values()].filter(isUnsettled).sort(order), options, 'unsettled');
  }

  async listSettledCreatedBefore(before: Date, options: { limit: number; cursor?: string }): Promise<Page<Recording>> {
    const all = [...this.records.values()].filter((r) => !isUnsettled(r) && r.createdAt < before.toISOString()).sort(order);
    return page(all, options, 'settled');
  }

  private async runBeforeWrite(id: string): Promise<void> {
    const hook = this.beforeWrite;
    this.beforeWrite = undefined;
    await hook?.(id);
  }
}

const positionOf = (r: Recording) => `${r.createdAt}#${r.id}`;

function order(a: Recording, b: Recording): number {
  const ka = positionOf(a);
  const kb = positionOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const cursorSchema = z
  .object({ v: z.literal(1), scope: z.string().max(64), createdAt: z.iso.datetime(), id: z.string().refine((v) => isId('recording', v)) })
  .strict();

function page(sorted: Recording[], options: { limit: number; cursor?: string }, scope: string, direction: 'ascending' | 'descending' = 'ascending'): Page<Recording> {
  checkLimit(options.limit, 1000);
  let start = 0;
  if (options.cursor !== undefined) {
    const position = decodeCursor(options.cursor, cursorSchema);
    if (position.scope !== scope) throw invalidCursor();
    const cursor = `${position.createdAt}#${position.id}`;
    const after = sorted.findIndex((r) => (direction === 'ascending' ? positionOf(r) > cursor : positionOf(r) < cursor));
    start = after < 0 ? sorted.length : after;
  }
  const items = sorted.slice(start, start + options.limit).map((r) => structuredClone(r));
  const last = items[items.length - 1];
  return start + options.limit < sorted.length && last ? { items, next: encodeCursor({ scope, createdAt: last.createdAt, id: last.id }) } : { items };
}
