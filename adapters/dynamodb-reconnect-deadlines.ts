/**
 * Reconnect deadlines of sessions whose ingest task was lost (`ReconnectDeadlineStore`), in the plane's
 * single table: one item per stream (`RECONNECT#<streamId>` / `RECONNECT`), also in the overloaded gsi1
 * under `RECONNECT_DEADLINES#<shard>` sorted by due time, so the due ones are one range query. Due items found
 * through the (eventually consistent) index are re-read before they are returned.
 *
 * Must never: remove a deadline that was replaced by a newer one (a later interruption of the stream).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import type { ReconnectDeadline, ReconnectDeadlineStore } from '../core/ports/reconnect-deadlines';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import { TableClient, type Item } from './dynamodb-table-client';
import { indexAll } from './dynamodb-sharded-index';
import { shardedPartition } from './dynamodb-shards';
import { conditionHeld } from './dynamodb-support';

export const RECONNECT_DEADLINE_PARTITION_PREFIX = 'RECONNECT#';
export const RECONNECT_DEADLINE_INDEX_PARTITION = 'RECONNECT_DEADLINES';
/** Left-over items (a stream deleted meanwhile) expire a week after they were due. */
const DEADLINE_TTL_SECONDS = 7 * 24 * 3600;

/** A lost task writes one deadline per stream it carried at once: spread by stream id, merged on read. */
export const reconnectDeadlineIndex = shardedPartition(RECONNECT_DEADLINE_INDEX_PARTITION, 8);

export const reconnectDeadlineKeys = {
  item: (streamId: string) => ({ [PARTITION_KEY]: `${RECONNECT_DEADLINE_PARTITION_PREFIX}${streamId}`, [SORT_KEY]: 'RECONNECT' }),
  index: (endAfter: Date, streamId: string) => ({
    [GSI1_PARTITION_KEY]: reconnectDeadlineIndex.key(streamId),
    [GSI1_SORT_KEY]: `${endAfter.toISOString()}#${streamId}`,
  }),
} as const;

const itemSchema = z.object({
  streamId: z.string(),
  sessionId: z.string(),
  version: z.number().int(),
  endAfter: z.iso.datetime(),
});

export class DynamoDbReconnectDeadlines implements ReconnectDeadlineStore {
  private readonly table: TableClient;

  constructor(options: { tableName: string; client?: DynamoDBClient }) {
    this.table = new TableClient(options);
  }

  async schedule(deadline: ReconnectDeadline): Promise<void> {
    await this.table.put({
      Item: marshall({
        ...reconnectDeadlineKeys.item(deadline.streamId),
        ...reconnectDeadlineKeys.index(deadline.endAfter, deadline.streamId),
        streamId: deadline.streamId,
        sessionId: deadline.sessionId,
        version: deadline.version,
        endAfter: deadline.endAfter.toISOString(),
        [TTL_ATTRIBUTE]: Math.floor(deadline.endAfter.getTime() / 1000) + DEADLINE_TTL_SECONDS,
      }),
    });
  }

  async listDue(now: Date): Promise<ReconnectDeadline[]> {
    // Sort keys are `<endAfter>#<streamId>`; '$' sorts right after '#', so this bound includes endAfter == now.
    const bound = `${now.toISOString()}$`;
    const candidates = await indexAll(
      this.table,
      { indexName: GSI1_NAME, partitionAttribute: GSI1_PARTITION_KEY, sortAttribute: GSI1_SORT_KEY, partitions: reconnectDeadlineIndex.partitions, order: 'oldest-first', upper: { value: bound } },
      fromItem,
    );
    const due: ReconnectDeadline[] = [];
    for (const candidate of candidates) {
      const current = await this.get(candidate.streamId);
      if (current && current.endAfter.getTime() <= now.getTime()) due.push(current);
    }
    return due;
  }

  async remove(deadline: Pick<ReconnectDeadline, 'streamId' | 'version'>): Promise<void> {
    // Refused means gone already, or replaced by a newer deadline that must stay.
    await conditionHeld(
      this.table.delete({
        Key: marshall(reconnectDeadlineKeys.item(deadline.streamId)),
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: marshall({ ':version': deadline.version }),
      }),
    );
  }

  private async get(streamId: string): Promise<ReconnectDeadline | undefined> {
    const item = await this.table.get(reconnectDeadlineKeys.item(streamId));
    return item ? fromItem(item) : undefined;
  }
}

function fromItem(item: Item): ReconnectDeadline {
  const parsed = itemSchema.parse(unmarshall(item));
  return { streamId: parsed.streamId, sessionId: parsed.sessionId, version: parsed.version, endAfter: new Date(parsed.endAfter) };
}
