/**
 * Reading and writing one logical index partition spread over K physical shards, so no single DynamoDB
 * partition takes every write of a busy listing (a partition caps near 1,000 WCU/s). An item's shard is a
 * stable hash of an id it carries, so its rewrites always land on the same shard. Reads query every shard
 * (and the legacy unsharded partition items written before sharding still sit in) in parallel and merge
 * them by sort key: the same order and page boundaries as one partition, because every sharded listing's
 * sort key is unique (it ends in an id). So a cursor is one sort-key position, valid across all shards.
 *
 * This is the ONE place the plane builds "newest (or oldest) first on an index" queries; every store
 * uses `indexPage` / `indexAll` instead of spelling Query pagination itself.
 *
 * Must never: return an item twice, skip an item between two pages, or change an item's shard between
 * writes (the shard function and counts are part of the stored format).
 */
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { PARTITION_KEY } from './dynamodb-table';
import type { Item, TableClient } from './dynamodb-table-client';

export { shardedPartition, shardOf, type ShardedPartition } from './dynamodb-shards';

/** An exclusive or inclusive bound on the sort key. */
export interface SortBound {
  value: string;
  inclusive?: boolean;
}

export interface IndexQuery {
  /** The index to read; absent for the base table. */
  indexName?: string;
  partitionAttribute: string;
  sortAttribute: string;
  /** The physical partitions to merge: `ShardedPartition.partitions`, or `[oneValue]` for an unsharded one. */
  partitions: ReadonlyArray<string>;
  order: 'newest-first' | 'oldest-first';
  /** The last sort key a previous page returned (exclusive): this page continues after it in `order`. */
  after?: string;
  /** Bounds on the sort key, independent of the order. */
  lower?: SortBound;
  upper?: SortBound;
  /** Extra FilterExpression (names/values prefixed by the caller so they never collide with #pk/#sk/:lo/:hi). */
  filter?: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
  /** Items read per shard per request; default fits `limit` spread over the shards. */
  pageSize?: number;
}

export interface IndexHit<T> {
  value: T;
  /** The hit's sort key: pass the last one as `after` to read the next page. */
  position: string;
}

/** One partition's read state in the merge. */
interface Source {
  buffer: Item[];
  start: Record<string, AttributeValue> | undefined;
  done: boolean;
}

/**
 * `limit` mapped hits (those `map` does not drop by returning undefined) in `order` across every
 * partition, and whether more exist. Reads one more than asked, so the last page never has an empty
 * successor.
 */
export async function indexPage<T>(table: TableClient, query: IndexQuery, limit: number, map: (item: Item) => T | undefined): Promise<{ items: Array<IndexHit<T>>; more: boolean }> {
  const hits: Array<IndexHit<T>> = [];
  for await (const hit of merged(table, query, map, Math.max(2, Math.ceil(((limit + 1) * 2) / query.partitions.length)))) {
    hits.push(hit);
    if (hits.length > limit) return { items: hits.slice(0, limit), more: true };
  }
  return { items: hits, more: false };
}

/** Every mapped hit of the query, in order. */
export async function indexAll<T>(table: TableClient, query: IndexQuery, map: (item: Item) => T | undefined): Promise<T[]> {
  const found: T[] = [];
  for await (const hit of merged(table, query, map, 1000)) found.push(hit.value);
  return found;
}

/** Items counted across every partition (Select COUNT, honouring bounds and filter). */
export async function indexCount(table: TableClient, query: Omit<IndexQuery, 'order' | 'after'>): Promise<number> {
  const counts = await Promise.all(
    query.partitions.map(async (partition) => {
      let count = 0;
      for await (const out of table.pages({ ...request({ ...query, order: 'oldest-first' }, partition), Select: 'COUNT' })) count += out.Count ?? 0;
      return count;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** A k-way merge of per-partition query streams; a partition is only read again when its buffer runs dry. */
async function* merged<T>(table: TableClient, query: IndexQuery, map: (item: Item) => T | undefined, defaultPage: number): AsyncGenerator<IndexHit<T>> {
  const pageSize = Math.min(1000, query.pageSize ?? defaultPage);
  const newestFirst = query.order === 'newest-first';
  const { lower, upper } = bounds(query);
  const sources: Source[] = query.partitions.map(() => ({ buffer: [], start: undefined, done: false }));
  const sortOf = (item: Item) => item[query.sortAttribute]?.S ?? '';
  const inBounds = (sk: string) =>
    (!lower || (lower.inclusive ? sk >= lower.value : sk > lower.value)) && (!upper || (upper.inclusive ? sk <= upper.value : sk < upper.value));
  const seen = new Set<string>();
  for (;;) {
    await Promise.all(
      sources.map(async (source, i) => {
        if (source.buffer.length > 0 || source.done) return;
        const out = await table.client.send(
          new QueryCommand({ ...request(query, query.partitions[i] as string), TableName: table.tableName, Limit: pageSize, ExclusiveStartKey: source.start }),
        );
        source.buffer.push(...(out.Items ?? []));
        source.start = out.LastEvaluatedKey;
        source.done = out.LastEvaluatedKey === undefined;
      }),
    );
    let best = -1;
    for (let i = 0; i < sources.length; i++) {
      const head = sources[i]?.buffer[0];
      if (!head) continue;
      const bestHead = best < 0 ? undefined : sources[best]?.buffer[0];
      if (!bestHead || (newestFirst ? sortOf(head) > sortOf(bestHead) : sortOf(head) < sortOf(bestHead))) best = i;
    }
    if (best < 0) {
      if (sources.every((s) => s.done && s.buffer.length === 0)) return;
      continue;
    }
    const item = (sources[best] as Source).buffer.shift() as Item;
    const position = sortOf(item);
    // BETWEEN is inclusive at both ends; exclusive bounds are enforced here. An item moved between a
    // legacy and a shard partition mid-read may show in both for a moment: once is enough.
    const identity = `${position}\u0000${item[PARTITION_KEY]?.S ?? ''}`;
    if (!inBounds(position) || seen.has(identity)) continue;
    seen.add(identity);
    const value = map(item);
    if (value !== undefined) yield { value, position };
  }
}

/** The effective sort-key range: the given bounds narrowed by the cursor. */
function bounds(query: IndexQuery): { lower?: SortBound; upper?: SortBound } {
  let { lower, upper } = query;
  if (query.after !== undefined) {
    if (query.order === 'newest-first') upper = tighter(upper, { value: query.after }, 'upper');
    else lower = tighter(lower, { value: query.after }, 'lower');
  }
  return { ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) };
}

function tighter(current: SortBound | undefined, next: SortBound, side: 'lower' | 'upper'): SortBound {
  if (!current) return next;
  if (current.value === next.value) return { value: next.value, inclusive: Boolean(current.inclusive && next.inclusive) };
  return (side === 'upper' ? next.value < current.value : next.value > current.value) ? next : current;
}

function request(query: IndexQuery, partition: string) {
  const { lower, upper } = bounds(query);
  const names: Record<string, string> = { '#pk': query.partitionAttribute, ...(query.filter?.names ?? {}) };
  const values: Record<string, unknown> = { ':pk': partition, ...(query.filter?.values ?? {}) };
  let condition = '#pk = :pk';
  if (lower || upper) names['#sk'] = query.sortAttribute;
  if (lower && upper) {
    condition += ' AND #sk BETWEEN :lo AND :hi';
    values[':lo'] = lower.value;
    values[':hi'] = upper.value;
  } else if (lower) {
    condition += ` AND #sk ${lower.inclusive ? '>=' : '>'} :lo`;
    values[':lo'] = lower.value;
  } else if (upper) {
    condition += ` AND #sk ${upper.inclusive ? '<=' : '<'} :hi`;
    values[':hi'] = upper.value;
  }
  return {
    ...(query.indexName !== undefined ? { IndexName: query.indexName } : {}),
    KeyConditionExpression: condition,
    ...(query.filter ? { FilterExpression: query.filter.expression } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values),
    ScanIndexForward: query.order === 'oldest-first',
  };
}
