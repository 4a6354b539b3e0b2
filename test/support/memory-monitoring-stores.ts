/**
 * In-memory StreamHealthStore, SessionStore and NodeStore for unit tests, held to the same contracts as
 * the DynamoDB adapters (test/support/contracts/monitoring-stores.contract.ts): copies in and out, the
 * session record's conditional put on version, statistics in their own slot, listing a stream's sessions
 * newest first with opaque cursors bound to the stream (a position, like DynamoDB's ExclusiveStartKey),
 * and health and node reports gone a day after they were written (read through `clock`).
 */
import { z } from 'zod';
import { checkLimit, decodeCursor, encodeCursor, invalidCursor } from '../../adapters/dynamodb-support';
import { ConflictError } from '../../core/errors';
import type { StreamHealthReport } from '../../core/health/stream-health';
import { isId } from '../../core/ids';
import type { NodeReport } from '../../core/nodes/nodes';
import { systemClock, type Clock } from '../../core/ports/clock';
import type { NodeStore, SessionStore, StreamHealthStore } from '../../core/ports/monitoring-stores';
import type { Page } from '../../core/ports/stream-store';
import type { SessionRecord, SessionStats } from '../../core/sessions/session';

const RETENTION_MS = 24 * 3600 * 1000;
const MAX_LIST_LIMIT = 100;

/** Whether a report last written at `at` is still within the stores' one-day retention at `now`. */
const retained = (at: string, now: Date) => Date.parse(at) + RETENTION_MS > now.getTime();

export class MemoryHealthStore implements StreamHealthStore {
  private readonly reports = new Map<string, StreamHealthReport>();
  constructor(private readonly options: { clock?: Clock } = {}) {}

  async put(report: StreamHealthReport): Promise<void> {
    this.reports.set(report.streamId, structuredClone(report));
  }

  async get(streamId: string): Promise<StreamHealthReport | undefined> {
    const report = this.reports.get(streamId);
    return report && retained(report.updatedAt, (this.options.clock ?? systemClock).now()) ? structuredClone(report) : undefined;
  }
}

const sessionCursorSchema = z
  .object({ v: z.literal(1), streamId: z.string().max(64), startedAt: z.iso.datetime(), id: z.string().refine((v) => isId('session', v)) })
  .strict();

const sessionPosition = (r: { startedAt: string; id: string }) => `${r.startedAt}#${r.id}`;

export class MemorySessionStore implements SessionStore {
  private readonly records = new Map<string, SessionRecord>();
  private readonly stats = new Map<string, SessionStats>();

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const record = this.records.get(sessionId);
    return record ? structuredClone(record) : undefined;
  }

  async put(record: SessionRecord, expectedVersion: number | undefined): Promise<void> {
    const current = this.records.get(record.id);
    if (current?.version !== expectedVersion) throw new ConflictError(`Session ${record.id} changed meanwhile.`);
    this.records.set(record.id, { ...structuredClone(record), version: (expectedVersion ?? 0) + 1 });
  }

  async listByStream(streamId: string, options: { limit: number; cursor?: string }): Promise<Page<SessionRecord>> {
    checkLimit(options.limit, MAX_LIST_LIMIT);
    const sorted = [...this.records.values()].filter((r) => r.streamId === streamId).sort((a, b) => (sessionPosition(a) < sessionPosition(b) ? 1 : -1));
    let start = 0;
    if (options.cursor !== undefined) {
      const cursor = decodeCursor(options.cursor, sessionCursorSchema);
      if (cursor.streamId !== streamId) throw invalidCursor();
      const after = sorted.findIndex((r) => sessionPosition(r) < sessionPosition(cursor));
      start = after < 0 ? sorted.length : after;
    }
    const items = sorted.slice(start, start + options.limit).map((r) => structuredClone(r));
    const last = items[items.length - 1];
    return start + options.limit < sorted.length && last ? { items, next: encodeCursor({ streamId, startedAt: last.startedAt, id: last.id }) } : { items };
  }

  async getStats(sessionId: string): Promise<SessionStats | undefined> {
    const stats = this.stats.get(sessionId);
    return stats ? structuredClone(stats) : undefined;
  }

  async putStats(stats: SessionStats): Promise<void> {
    this.stats.set(stats.sessionId, structuredClone(stats));
  }
}

export class MemoryNodeStore implements NodeStore {
  private readonly reports = new Map<string, NodeReport>();
  constructor(private readonly options: { clock?: Clock } = {}) {}

  async put(report: NodeReport): Promise<void> {
    this.reports.set(report.id, structuredClone(report));
  }

  async list(): Promise<NodeReport[]> {
    const now = (this.options.clock ?? systemClock).now();
    return [...this.reports.values()]
      .filter((r) => retained(r.lastSeenAt, now))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => structuredClone(r));
  }
}
