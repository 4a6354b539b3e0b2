/**
 * How one logical index partition is spread over K physical ones (`<base>#00` … `<base>#K-1`): the shard of
 * an item is a stable hash of an id it carries, so its rewrites always land on the same shard. Reading
 * them back merged is dynamodb-sharded-index.ts. Must never change the hash or a partition's shard count
 * for a deployed table without reading both layouts (the count is part of the stored format).
 */
import { createHash } from 'node:crypto';

/** One logical index partition and how it is spread. */
export interface ShardedPartition {
  /** The pre-sharding partition value; still read so items written before sharding stay listed. */
  readonly legacy: string;
  readonly shards: number;
  /** The physical partition an item with this shard id is written to. */
  key(shardId: string): string;
  /** Every physical partition to read: all shards, then the legacy one. */
  readonly partitions: ReadonlyArray<string>;
}

export function shardedPartition(base: string, shards: number): ShardedPartition {
  if (!Number.isInteger(shards) || shards < 1 || shards > 100) throw new RangeError(`shards must be 1-100, got ${shards}`);
  const name = (n: number) => `${base}#${String(n).padStart(2, '0')}`;
  const partitions = [...Array.from({ length: shards }, (_, n) => name(n)), base];
  return { legacy: base, shards, key: (shardId) => name(shardOf(shardId, shards)), partitions };
}

/** A stable shard number in [0, shards) for an id (first 4 bytes of its SHA-256). */
export function shardOf(id: string, shards: number): number {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % shards;
}

