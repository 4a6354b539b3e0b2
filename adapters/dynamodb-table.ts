/**
 * The one DynamoDB table of the plane (single-table design), defined once here so the local plane
 * (`ensureTable`) and the CDK construct build exactly the same thing from the same constants.
 *
 * Items (pk / sk, then index keys):
 *   stream       STREAM#<streamId> / STREAM      gsi1: STREAMS#<nn> / <createdAt>#<streamId>   (list, newest first)
 *   key index    KEY#<sha256 hex>  / KEY         → streamId; never holds the key itself
 *   sequence     SEQ#<streamId>    / SEQ         per-stream atomic event counter (ADD); kept after a stream is
 *                                                deleted so a deleted stream's last events still increase.
 *                                                Stream-less events take no counter (see dynamodb-stream-store.ts);
 *                                                a deployed table's old `SEQ#-` item is simply no longer written.
 *   event        EVENT#<eventId>   / EVENT       gsi1: EVENTS#<streamId> | EVENTS#-#<nn> / <sequence, 16 digits>
 *                                                gsi2: EVENTS#<nn> / <time>#<streamId|->#<sequence> (all streams by time)
 *                                                expiresAt: TTL (epoch seconds), 7 days
 *   playback key PLAYBACK / KEY#<keyId>          public key only (see dynamodb-playback-key-store.ts)
 *   revocation   PLAYBACK / REVOKED#<viewerId>   expiresAt: TTL at its `until`
 *   simulcast    SIMULCAST#<streamId> / TARGET#<targetId>   a simulcast target; its key only as ciphertext
 *                                                (own partition family, so IAM can grant it alone)
 *
 * Sharding (dynamodb-shards.ts): every index partition that all items of a kind share (`STREAMS`,
 * `EVENTS`, and the webhook, recording, media, heartbeat, node and deadline listings in their adapters) is
 * spread over `<base>#00`…`<base>#NN` by a hash of the item's id, so no physical partition takes more than
 * 1/K of the writes (one caps near 1,000 WCU/s); reads merge the shards and the unsharded `<base>` that
 * items written before sharding still sit in (dynamodb-sharded-index.ts), until they are next rewritten.
 *
 * Both indexes are sparse (only items with the attributes appear) and overloaded (gsi1 serves streams
 * and per-stream events; the prefixes never collide). Index reads are eventually consistent in AWS, so
 * nothing that decides access (key lookups, conditional writes) ever reads an index.
 *
 * Must never: store a stream key, or depend on TransactWriteItems (dynalite 4 does not implement it;
 * see dynamodb-stream-store.ts for how consistency is kept without it).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as delay } from 'node:timers/promises';
import { shardedPartition } from './dynamodb-shards';

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';
export const GSI1_NAME = 'gsi1';
export const GSI1_PARTITION_KEY = 'gsi1pk';
export const GSI1_SORT_KEY = 'gsi1sk';
export const GSI2_NAME = 'gsi2';
export const GSI2_PARTITION_KEY = 'gsi2pk';
export const GSI2_SORT_KEY = 'gsi2sk';
export const TTL_ATTRIBUTE = 'expiresAt';

/** Plain description of the table for the CDK construct (all key attributes are strings). */
export const TABLE_SCHEMA = {
  partitionKey: PARTITION_KEY,
  sortKey: SORT_KEY,
  globalSecondaryIndexes: [
    { indexName: GSI1_NAME, partitionKey: GSI1_PARTITION_KEY, sortKey: GSI1_SORT_KEY, projection: 'ALL' },
    { indexName: GSI2_NAME, partitionKey: GSI2_PARTITION_KEY, sortKey: GSI2_SORT_KEY, projection: 'ALL' },
  ],
  timeToLiveAttribute: TTL_ATTRIBUTE,
  billingMode: 'PAY_PER_REQUEST',
} as const;

/**
 * Shards of the plane-wide index partitions. 16 x 1,000 WCU/s per listing: a stream rewrite or an event
 * lands on one shard; at 10,000 streams the simulation (bench/simulate-scale.ts) keeps each under half.
 */
export const INDEX_SHARDS = 16;
export const streamListPartition = shardedPartition('STREAMS', INDEX_SHARDS);
export const eventTimePartition = shardedPartition('EVENTS', INDEX_SHARDS);
export const streamlessEventPartition = shardedPartition('EVENTS#-', INDEX_SHARDS);

/** Key builders: the only place item keys are spelled. */
export const itemKeys = {
  stream: (streamId: string) => ({ [PARTITION_KEY]: `STREAM#${streamId}`, [SORT_KEY]: 'STREAM' }),
  streamListPartition,
  streamSort: (createdAt: string, streamId: string) => `${createdAt}#${streamId}`,
  streamIndex: (createdAt: string, streamId: string) => ({ [GSI1_PARTITION_KEY]: streamListPartition.key(streamId), [GSI1_SORT_KEY]: `${createdAt}#${streamId}` }),
  keyHash: (keyHash: string) => ({ [PARTITION_KEY]: `KEY#${keyHash}`, [SORT_KEY]: 'KEY' }),
  sequence: (streamId: string) => ({ [PARTITION_KEY]: `SEQ#${streamId}`, [SORT_KEY]: 'SEQ' }),
  event: (eventId: string) => ({ [PARTITION_KEY]: `EVENT#${eventId}`, [SORT_KEY]: 'EVENT' }),
  /** One stream's events; stream-less ones (never listed per stream) spread by event id. */
  eventStreamPartition: (streamId: string | null, eventId = '') => (streamId === null ? streamlessEventPartition.key(eventId) : `EVENTS#${streamId}`),
  eventSequence: (sequence: number) => String(sequence).padStart(16, '0'),
  eventTimePartition,
  /** Time first; stream and sequence break ties so one stream's events keep their order within a millisecond. */
  playbackPartition: 'PLAYBACK',
  playbackKey: (keyId: string) => ({ [PARTITION_KEY]: 'PLAYBACK', [SORT_KEY]: `KEY#${keyId}` }),
  revocation: (viewerId: string) => ({ [PARTITION_KEY]: 'PLAYBACK', [SORT_KEY]: `REVOKED#${viewerId}` }),
  simulcastTarget: (streamId: string, targetId: string) => ({ [PARTITION_KEY]: `SIMULCAST#${streamId}`, [SORT_KEY]: `TARGET#${targetId}` }),
  eventTime: (time: string, streamId: string | null, sequence: number) => `${time}#${streamId ?? '-'}#${String(sequence).padStart(16, '0')}`,
} as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  const keyAttributes = [PARTITION_KEY, SORT_KEY, GSI1_PARTITION_KEY, GSI1_SORT_KEY, GSI2_PARTITION_KEY, GSI2_SORT_KEY];
  return {
    TableName: tableName,
    BillingMode: TABLE_SCHEMA.billingMode,
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: TABLE_SCHEMA.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

const TABLE_READY_TIMEOUT_MS = 120_000;

/**
 * Creates the table if it is missing and resolves once it and its indexes are ACTIVE. Safe to call
 * concurrently and on every start. Enables TTL where the endpoint supports it (dynalite does not; the
 * event log filters expired items itself, so behaviour is the same, only storage grows).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let table = await describe(client, tableName);
  if (!table) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (err) {
      // Another process created it between our describe and create: fine, wait for it below.
      if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
    }
  }
  const deadline = Date.now() + TABLE_READY_TIMEOUT_MS;
  for (let wait = 25; ; wait = Math.min(wait * 2, 2000)) {
    table = await describe(client, tableName);
    if (table && isActive(table)) break;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE within ${TABLE_READY_TIMEOUT_MS} ms.`);
    await delay(wait);
  }
  await enableTtl(client, tableName);
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

function isActive(table: TableDescription): boolean {
  return table.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
}

async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
  } catch (err) {
    if (err instanceof Error && err.name === 'UnknownOperationException') return;
    throw err;
  }
}
