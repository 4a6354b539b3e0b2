/**
 * Playback keys and viewer revocations on DynamoDB (`PlaybackKeyStore`). Layout: one partition
 * `PLAYBACK`, keys as `KEY#<id>` and revocations as `REVOKED#<viewerId>` (see dynamodb-table.ts), so
 * listing either is one strongly consistent query and deciding access never reads an index.
 * Revocations carry a TTL at their `until`; expired ones are filtered on read as well.
 *
 * Must never: store a private key (the model has none).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DuplicateError } from '../core/errors';
import type { PlaybackKeyStore } from '../core/ports/playback-key-store';
import type { PlaybackKey, Revocation } from '../core/playback/playback-key';
import { itemKeys, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import { TableClient, type Item } from './dynamodb-table-client';
import { conditionHeld, writeOrThrow } from './dynamodb-support';

export interface DynamoDbPlaybackKeyStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
}

export class DynamoDbPlaybackKeyStore implements PlaybackKeyStore {
  private readonly table: TableClient;

  constructor(options: DynamoDbPlaybackKeyStoreOptions) {
    this.table = new TableClient(options);
  }

  async createKey(key: PlaybackKey): Promise<void> {
    const item = { id: key.id, algorithm: key.algorithm, publicKey: key.publicKey, source: key.source, createdAt: key.createdAt };
    await writeOrThrow(
      this.table.put({ Item: marshall({ ...item, ...itemKeys.playbackKey(key.id) }), ConditionExpression: 'attribute_not_exists(pk)' }),
      () => new DuplicateError(`A playback key with id ${key.id} already exists.`),
    );
  }

  async getKey(id: string): Promise<PlaybackKey | undefined> {
    const item = await this.table.get(itemKeys.playbackKey(id));
    return item ? toKey(item) : undefined;
  }

  async listKeys(): Promise<PlaybackKey[]> {
    const keys = await this.query('KEY#', toKey);
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async deleteKey(id: string): Promise<boolean> {
    return conditionHeld(this.table.delete({ Key: marshall(itemKeys.playbackKey(id)), ConditionExpression: 'attribute_exists(pk)' }));
  }

  async putRevocation(revocation: Revocation): Promise<void> {
    const expiresAt = Math.ceil(Date.parse(revocation.until) / 1000);
    await this.table.put({ Item: marshall({ ...revocation, ...itemKeys.revocation(revocation.viewerId), [TTL_ATTRIBUTE]: expiresAt }) });
  }

  async getRevocation(viewerId: string): Promise<Revocation | undefined> {
    const item = await this.table.get(itemKeys.revocation(viewerId));
    return item ? toRevocation(item) : undefined;
  }

  async listRevocations(now: Date): Promise<Revocation[]> {
    const all = await this.query('REVOKED#', toRevocation);
    return all.filter((r) => Date.parse(r.until) > now.getTime());
  }

  private query<T>(prefix: string, map: (item: Item) => T): Promise<T[]> {
    return this.table.all(
      {
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: marshall({ ':pk': itemKeys.playbackPartition, ':prefix': prefix }),
        ConsistentRead: true,
      },
      map,
    );
  }
}

function toKey(item: Item): PlaybackKey {
  const raw = unmarshall(item) as PlaybackKey;
  return { id: raw.id, algorithm: raw.algorithm, publicKey: raw.publicKey, source: raw.source, createdAt: raw.createdAt };
}

function toRevocation(item: Item): Revocation {
  const raw = unmarshall(item) as Revocation;
  return { viewerId: raw.viewerId, until: raw.until, createdAt: raw.createdAt };
}
