/**
 * Publish sessions on DynamoDB (`SessionStore`), in the plane's single table: the record (projection of
 * the session's events) at `SESSION#<id>` / `SESSION`, listed per stream through gsi1 under
 * `SESSIONS#<streamId>` sorted by start time; the ingest's statistics beside it at `SESSION#<id>` / `STATS`,
 * so the two writers never overwrite each other. Kept after the session ends (no TTL).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { ConflictError } from '../core/errors';
import { isId } from '../core/ids';
import type { SessionStore } from '../core/ports/monitoring-stores';
import type { Page } from '../core/ports/stream-store';
import type { SessionRecord, SessionStats } from '../core/sessions/session';
import { checkLimit, decodeCursor, encodeCursor, invalidCursor, writeOrThrow } from './dynamodb-support';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY } from './dynamodb-table';
import { TableClient, type Item } from './dynamodb-table-client';
import { indexPage } from './dynamodb-sharded-index';

const MAX_LIST_LIMIT = 100;

export const sessionKeys = {
  record: (sessionId: string) => ({ [PARTITION_KEY]: `SESSION#${sessionId}`, [SORT_KEY]: 'SESSION' }),
  stats: (sessionId: string) => ({ [PARTITION_KEY]: `SESSION#${sessionId}`, [SORT_KEY]: 'STATS' }),
  index: (streamId: string, startedAt: string, sessionId: string) => ({ [GSI1_PARTITION_KEY]: `SESSIONS#${streamId}`, [GSI1_SORT_KEY]: `${startedAt}#${sessionId}` }),
} as const;

const recordSchema = z.object({
  id: z.string(),
  streamId: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  endReason: z.string().optional(),
  remoteAddress: z.string().optional(),
  reconnects: z.number(),
  interruptions: z.number(),
  transcoderRestarts: z.number(),
  appliedEventIds: z.array(z.string()),
  version: z.number(),
});

const nullableNumber = z.number().nullable();
const statsSchema = z.object({
  sessionId: z.string(),
  streamId: z.string(),
  nodeId: z.string(),
  takeovers: z.number(),
  mediaSeconds: z.number(),
  videoBytes: z.number(),
  audioBytes: z.number(),
  peakVideoKbps: z.number(),
  width: nullableNumber,
  height: nullableNumber,
  fps: nullableNumber,
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  keyframeIntervalSeconds: nullableNumber,
  starvedSeconds: z.number(),
  updatedAt: z.string(),
});

// Cursors come back from outside: parsed, never trusted, and bound to the stream they were listed for (a
// cursor of stream A must not page through stream B from A's position).
const cursorSchema = z
  .object({ v: z.literal(1), streamId: z.string().max(64), startedAt: z.iso.datetime(), id: z.string().refine((v) => isId('session', v)) })
  .strict();

export class DynamoDbSessionStore implements SessionStore {
  private readonly table: TableClient;

  constructor(options: { tableName: string; client?: DynamoDBClient }) {
    this.table = new TableClient(options);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const item = await this.table.get(sessionKeys.record(sessionId));
    return item ? recordFrom(item) : undefined;
  }

  async put(record: SessionRecord, expectedVersion: number | undefined): Promise<void> {
    const version = (expectedVersion ?? 0) + 1;
    await writeOrThrow(
      this.table.put({
        Item: marshall({ ...sessionKeys.record(record.id), ...sessionKeys.index(record.streamId, record.startedAt, record.id), ...record, version }, { removeUndefinedValues: true }),
        ...(expectedVersion === undefined
          ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }
          : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: marshall({ ':expected': expectedVersion }) }),
      }),
      () => new ConflictError(`Session ${record.id} changed meanwhile.`),
    );
  }

  async listByStream(streamId: string, options: { limit: number; cursor?: string }): Promise<Page<SessionRecord>> {
    checkLimit(options.limit, MAX_LIST_LIMIT);
    const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, cursorSchema);
    if (start && start.streamId !== streamId) throw invalidCursor();
    // One stream's sessions: a per-stream partition, never hot, so one partition and no shards.
    const index = sessionKeys.index(streamId, start?.startedAt ?? '', start?.id ?? '');
    const page = await indexPage(
      this.table,
      {
        indexName: GSI1_NAME,
        partitionAttribute: GSI1_PARTITION_KEY,
        sortAttribute: GSI1_SORT_KEY,
        partitions: [index[GSI1_PARTITION_KEY]],
        order: 'newest-first',
        ...(start ? { after: index[GSI1_SORT_KEY] } : {}),
      },
      options.limit,
      recordFrom,
    );
    const items = page.items.map((hit) => hit.value);
    const last = items[items.length - 1];
    return page.more && last ? { items, next: encodeCursor({ streamId, startedAt: last.startedAt, id: last.id }) } : { items };
  }

  async getStats(sessionId: string): Promise<SessionStats | undefined> {
    const item = await this.table.get(sessionKeys.stats(sessionId));
    return item ? statsSchema.parse(unmarshall(item)) : undefined;
  }

  async putStats(stats: SessionStats): Promise<void> {
    await this.table.put({ Item: marshall({ ...sessionKeys.stats(stats.sessionId), ...stats }, { removeUndefinedValues: true }) });
  }
}

function recordFrom(item: Item): SessionRecord {
  const parsed = recordSchema.parse(unmarshall(item));
  const record: SessionRecord = {
    id: parsed.id,
    streamId: parsed.streamId,
    startedAt: parsed.startedAt,
    reconnects: parsed.reconnects,
    interruptions: parsed.interruptions,
    transcoderRestarts: parsed.transcoderRestarts,
    appliedEventIds: parsed.appliedEventIds,
    version: parsed.version,
  };
  if (parsed.endedAt !== undefined) record.endedAt = parsed.endedAt;
  if (parsed.endReason !== undefined) record.endReason = parsed.endReason;
  if (parsed.remoteAddress !== undefined) record.remoteAddress = parsed.remoteAddress;
  return record;
}
