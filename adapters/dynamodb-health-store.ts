/**
 * The latest health report of each live stream on DynamoDB (`StreamHealthStore`): one item per stream at
 * `HEALTH#<streamId>` / `HEALTH`, replaced every few seconds by the ingest carrying the stream, expiring a
 * day after the last write (a report that old reads as offline anyway; `get` no longer returns it).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { StreamHealthReport } from '../core/health/stream-health';
import { systemClock, type Clock } from '../core/ports/clock';
import type { StreamHealthStore } from '../core/ports/monitoring-stores';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import { TableClient } from './dynamodb-table-client';

const TTL_SECONDS = 24 * 3600;

export const healthKeys = { item: (streamId: string) => ({ [PARTITION_KEY]: `HEALTH#${streamId}`, [SORT_KEY]: 'HEALTH' }) } as const;

export class DynamoDbHealthStore implements StreamHealthStore {
  private readonly table: TableClient;
  private readonly clock: Clock;

  constructor(options: { tableName: string; client?: DynamoDBClient; clock?: Clock }) {
    this.table = new TableClient(options);
    this.clock = options.clock ?? systemClock;
  }

  async put(report: StreamHealthReport): Promise<void> {
    await this.table.put({
      Item: marshall(
        { ...healthKeys.item(report.streamId), report: JSON.stringify(report), [TTL_ATTRIBUTE]: Math.floor(Date.parse(report.updatedAt) / 1000) + TTL_SECONDS },
        { removeUndefinedValues: true },
      ),
    });
  }

  async get(streamId: string): Promise<StreamHealthReport | undefined> {
    const item = await this.table.get(healthKeys.item(streamId));
    if (!item) return undefined;
    // Stored as one JSON attribute: it is always written and read whole, and nulls stay nulls.
    const { report, [TTL_ATTRIBUTE]: expiresAt } = unmarshall(item) as { report: string; [TTL_ATTRIBUTE]: number };
    // TTL deletion lags (and dynalite has none): an expired report is gone for readers, as nodes are.
    if (expiresAt <= this.clock.now().getTime() / 1000) return undefined;
    return JSON.parse(report) as StreamHealthReport;
  }
}
