/**
 * Streams assigned per ingest cell in the plane's table: one counter item per cell,
 * `CELL#<cellId>` / `COUNT` with a numeric `streams`. A claim is an UpdateItem conditional on the count
 * the caller read (so racing creates look again instead of piling onto one cell), a release an ADD of -1
 * that never takes the count below zero. Stream creation is rare next to publishing (a handful per second
 * at most), so one item per cell stays far below a partition's 1,000 writes per second.
 *
 * Must never: hold anything but the count (no stream ids: deletes would have to find them).
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CellCounts } from '../core/ports/cell-counts';
import { conditionHeld } from './dynamodb-support';
import { TableClient } from './dynamodb-table-client';

/** Partition-key prefix of the counter items (granted by lib/constructs/stream-table.ts). */
export const CELL_COUNT_PARTITION_PREFIX = 'CELL#';
const SORT = 'COUNT';

export const cellCountKey = (cellId: string) => ({ pk: `${CELL_COUNT_PARTITION_PREFIX}${cellId}`, sk: SORT });

export class DynamoDbCellCounts implements CellCounts {
  private readonly table: TableClient;

  constructor(options: { tableName: string; client?: DynamoDBClient }) {
    this.table = new TableClient(options);
  }

  async read(cellIds: ReadonlyArray<string>): Promise<Record<string, number>> {
    // A handful of cells: strongly consistent single reads (BatchGetItem reads eventually consistent by default).
    const entries = await Promise.all(
      cellIds.map(async (id) => {
        const item = await this.table.get(cellCountKey(id));
        const streams = item ? (unmarshall(item) as { streams?: unknown }).streams : undefined;
        return [id, typeof streams === 'number' && streams > 0 ? streams : 0] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  claim(cellId: string, seen?: number): Promise<boolean> {
    if (seen === undefined) {
      return this.table
        .update({ Key: marshall(cellCountKey(cellId)), UpdateExpression: 'ADD #s :one', ExpressionAttributeNames: { '#s': 'streams' }, ExpressionAttributeValues: marshall({ ':one': 1 }) })
        .then(() => true);
    }
    // Zero seen also matches a cell never counted (no item yet).
    return conditionHeld(
      this.table.update({
        Key: marshall(cellCountKey(cellId)),
        UpdateExpression: 'SET #s = :next',
        ConditionExpression: seen === 0 ? 'attribute_not_exists(#s) OR #s = :seen' : '#s = :seen',
        ExpressionAttributeNames: { '#s': 'streams' },
        ExpressionAttributeValues: marshall({ ':next': seen + 1, ':seen': seen }),
      }),
    );
  }

  async release(cellId: string): Promise<void> {
    await conditionHeld(
      this.table.update({
        Key: marshall(cellCountKey(cellId)),
        UpdateExpression: 'ADD #s :minus',
        ConditionExpression: '#s > :zero',
        ExpressionAttributeNames: { '#s': 'streams' },
        ExpressionAttributeValues: marshall({ ':minus': -1, ':zero': 0 }),
      }),
    );
  }
}
