/**
 * Ingest node reports on DynamoDB (`NodeStore`): one item per node at `NODE#<id>` / `NODE`, listed through
 * gsi1 under `NODES#<shard>` merged by id (a handful of items, never a Scan), expiring a day after the node's last report.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { NodeReport } from '../core/nodes/nodes';
import { systemClock, type Clock } from '../core/ports/clock';
import type { NodeStore } from '../core/ports/monitoring-stores';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import { TableClient } from './dynamodb-table-client';
import { indexAll } from './dynamodb-sharded-index';
import { shardedPartition } from './dynamodb-shards';

const TTL_SECONDS = 24 * 3600;
export const NODE_INDEX_PARTITION = 'NODES';

/** Every node rewrites its report periodically: spread by node id, merged on read. */
export const nodeIndex = shardedPartition(NODE_INDEX_PARTITION, 4);

export const nodeKeys = {
  item: (nodeId: string) => ({ [PARTITION_KEY]: `NODE#${nodeId}`, [SORT_KEY]: 'NODE' }),
  index: (nodeId: string) => ({ [GSI1_PARTITION_KEY]: nodeIndex.key(nodeId), [GSI1_SORT_KEY]: nodeId }),
} as const;

export class DynamoDbNodeStore implements NodeStore {
  private readonly table: TableClient;
  private readonly clock: Clock;

  constructor(options: { tableName: string; client?: DynamoDBClient; clock?: Clock }) {
    this.table = new TableClient(options);
    this.clock = options.clock ?? systemClock;
  }

  async put(report: NodeReport): Promise<void> {
    await this.table.put({
      Item: marshall({
        ...nodeKeys.item(report.id),
        ...nodeKeys.index(report.id),
        report: JSON.stringify(report),
        [TTL_ATTRIBUTE]: Math.floor(Date.parse(report.lastSeenAt) / 1000) + TTL_SECONDS,
      }),
    });
  }

  async list(): Promise<NodeReport[]> {
    const now = this.clock.now().getTime() / 1000;
    const items = await indexAll(
      this.table,
      { indexName: GSI1_NAME, partitionAttribute: GSI1_PARTITION_KEY, sortAttribute: GSI1_SORT_KEY, partitions: nodeIndex.partitions, order: 'oldest-first' },
      (item) => unmarshall(item) as { report: string; expiresAt: number },
    );
    // TTL deletion lags (and dynalite has none): an expired item is gone for readers.
    return items.filter((i) => i.expiresAt > now).map((i) => JSON.parse(i.report) as NodeReport);
  }
}
