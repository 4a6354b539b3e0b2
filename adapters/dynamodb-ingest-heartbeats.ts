/**
 * Ingest heartbeats on DynamoDB (`IngestHeartbeatStore`), in the plane's single table: one item per task
 * (`HEARTBEAT#<taskId>` / `HEARTBEAT`), also placed in the overloaded gsi1 under the partitions
 * `HEARTBEATS#<shard>` sorted by write time, so stale and fresh tasks are one range query each (never a Scan of a
 * table that also holds every stream and event). The index is eventually consistent, so a stale listing
 * is confirmed against the item itself before anyone acts on it.
 *
 * Must never: let an older beat overwrite a newer one, or remove a heartbeat the task renewed meanwhile.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import type { IngestHeartbeat, IngestHeartbeatStore } from '../core/ports/ingest-heartbeats';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import { TableClient, type Item } from './dynamodb-table-client';
import { indexAll, type IndexQuery } from './dynamodb-sharded-index';
import { shardedPartition } from './dynamodb-shards';
import { conditionHeld } from './dynamodb-support';

export const HEARTBEAT_PARTITION_PREFIX = 'HEARTBEAT#';
/** gsi1 partition of all heartbeats (does not collide with `STREAMS` or `EVENTS#…`). */
export const HEARTBEAT_INDEX_PARTITION = 'HEARTBEATS';
/** Heartbeats of tasks nobody recovered are garbage after a week; recovery never depends on TTL. */
const HEARTBEAT_TTL_SECONDS = 7 * 24 * 3600;
const TASK_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every task rewrites its beat every few seconds: spread by task id over shards, merged on read. */
export const heartbeatIndex = shardedPartition(HEARTBEAT_INDEX_PARTITION, 8);

export const heartbeatKeys = {
  item: (taskId: string) => ({ [PARTITION_KEY]: `${HEARTBEAT_PARTITION_PREFIX}${taskId}`, [SORT_KEY]: 'HEARTBEAT' }),
  index: (at: Date, taskId: string) => ({ [GSI1_PARTITION_KEY]: heartbeatIndex.key(taskId), [GSI1_SORT_KEY]: `${at.toISOString()}#${taskId}` }),
} as const;

const itemSchema = z.object({
  taskId: z.string(),
  streamIds: z.array(z.string()),
  at: z.iso.datetime(),
});

export class DynamoDbIngestHeartbeats implements IngestHeartbeatStore {
  private readonly table: TableClient;

  constructor(options: { tableName: string; client?: DynamoDBClient }) {
    this.table = new TableClient(options);
  }

  async beat(taskId: string, streamIds: ReadonlyArray<string>, at: Date): Promise<void> {
    assertTaskId(taskId);
    // Refused means a newer beat is already stored: this one is simply out of date.
    await conditionHeld(
      this.table.put({
        Item: marshall({
          ...heartbeatKeys.item(taskId),
          ...heartbeatKeys.index(at, taskId),
          taskId,
          streamIds: [...new Set(streamIds)],
          at: at.toISOString(),
          [TTL_ATTRIBUTE]: Math.floor(at.getTime() / 1000) + HEARTBEAT_TTL_SECONDS,
        }),
        // ISO-8601 UTC strings of one format order like the instants they name.
        ConditionExpression: 'attribute_not_exists(#pk) OR #at <= :at',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#at': 'at' },
        ExpressionAttributeValues: marshall({ ':at': at.toISOString() }),
      }),
    );
  }

  async get(taskId: string): Promise<IngestHeartbeat | undefined> {
    assertTaskId(taskId);
    const item = await this.table.get(heartbeatKeys.item(taskId));
    return item ? fromItem(item) : undefined;
  }

  async listStale(olderThan: Date): Promise<IngestHeartbeat[]> {
    const candidates = await this.query({ upper: { value: olderThan.toISOString() } });
    const confirmed: IngestHeartbeat[] = [];
    for (const candidate of candidates) {
      const current = await this.get(candidate.taskId);
      if (current && current.at.getTime() < olderThan.getTime()) confirmed.push(current);
    }
    return confirmed;
  }

  async listFresh(since: Date): Promise<IngestHeartbeat[]> {
    return this.query({ lower: { value: since.toISOString(), inclusive: true } });
  }

  async remove(taskId: string, expectedAt?: Date): Promise<boolean> {
    assertTaskId(taskId);
    return conditionHeld(
      this.table.delete({
        Key: marshall(heartbeatKeys.item(taskId)),
        ...(expectedAt
          ? { ConditionExpression: '#at = :at', ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: marshall({ ':at': expectedAt.toISOString() }) }
          : { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }),
      }),
    );
  }

  /** Beats in a range of write times, oldest first, across every shard. */
  private async query(range: Pick<IndexQuery, 'lower' | 'upper'>): Promise<IngestHeartbeat[]> {
    return indexAll(
      this.table,
      { indexName: GSI1_NAME, partitionAttribute: GSI1_PARTITION_KEY, sortAttribute: GSI1_SORT_KEY, partitions: heartbeatIndex.partitions, order: 'oldest-first', ...range },
      fromItem,
    );
  }
}

function fromItem(item: Item): IngestHeartbeat {
  const parsed = itemSchema.parse(unmarshall(item));
  return { taskId: parsed.taskId, streamIds: parsed.streamIds, at: new Date(parsed.at) };
}

function assertTaskId(taskId: string): void {
  if (!TASK_ID.test(taskId)) throw new Error(`Not a task id: expected 1-128 letters, digits or . _ : -, got ${JSON.stringify(taskId.slice(0, 140))}.`);
}

