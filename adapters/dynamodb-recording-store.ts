/**
 * Recording records on DynamoDB (`RecordingStore`), in the plane's single table (attribute names from
 * dynamodb-table.ts). Every base-table key starts with `REC#`, so IAM can confine a function to these
 * items with one `dynamodb:LeadingKeys` pattern.
 *
 *   recording  REC#<recId> / REC     gsi1: RECS#<streamId> / <createdAt>#<recId>            (per stream, newest first)
 *                                    gsi2: RECS_UNSETTLED#<nn> | RECS_SETTLED#<nn> / <createdAt>#<recId>
 *                                          (sharded by recording id, merged oldest first on read)
 *
 * gsi2's partition follows the record's state: unsettled while it is recording, finalizing or has its final
 * event pending (what a restarted plane re-queues), settled after (what retention scans). Index reads are
 * eventually consistent; every decision re-reads the item itself (`get` is strongly consistent) and every
 * change is a conditional write on `version` — no transactions (dynalite has none).
 *
 * Must never: return storage attributes, or let a cursor from outside name another stream's items.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { ConflictError } from '../core/errors';
import { isId } from '../core/ids';
import type { RecordingStore } from '../core/ports/recording-store';
import type { Page } from '../core/ports/stream-store';
import { isUnsettled, MP4_STATUSES, RECORDING_STATUSES, type Recording } from '../core/recordings/recording';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, GSI2_NAME, GSI2_PARTITION_KEY, GSI2_SORT_KEY, INDEX_SHARDS, PARTITION_KEY, SORT_KEY } from './dynamodb-table';
import { TableClient, type Item } from './dynamodb-table-client';
import { indexPage, type IndexQuery } from './dynamodb-sharded-index';
import { shardedPartition, type ShardedPartition } from './dynamodb-shards';
import { checkLimit, conditionHeld, copyDefined, decodeCursor, encodeCursor, invalidCursor, writeOrThrow } from './dynamodb-support';

// Every recording rewrite (segment counts while it records) lands in one of these: sharded by recording id.
const unsettledPartition = shardedPartition('RECS_UNSETTLED', INDEX_SHARDS);
const settledPartition = shardedPartition('RECS_SETTLED', INDEX_SHARDS);

/** Key builders: the only place recording item keys are spelled. */
export const recordingKeys = {
  recording: (id: string) => ({ [PARTITION_KEY]: `REC#${id}`, [SORT_KEY]: 'REC' }),
  streamPartition: (streamId: string) => `RECS#${streamId}`,
  streamIndex: (streamId: string, createdAt: string, id: string) => ({ [GSI1_PARTITION_KEY]: `RECS#${streamId}`, [GSI1_SORT_KEY]: `${createdAt}#${id}` }),
  unsettledPartition,
  settledPartition,
  stateIndex: (recording: Pick<Recording, 'status' | 'announce' | 'createdAt' | 'id'>) => ({
    [GSI2_PARTITION_KEY]: (isUnsettled(recording) ? unsettledPartition : settledPartition).key(recording.id),
    [GSI2_SORT_KEY]: `${recording.createdAt}#${recording.id}`,
  }),
} as const;

/** The base-table key prefix of recording items, for IAM `dynamodb:LeadingKeys`. */
export const RECORDING_ITEM_PREFIX = 'REC#';

const MAX_LIST_LIMIT = 1000;

export interface DynamoDbRecordingStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
}

export class DynamoDbRecordingStore implements RecordingStore {
  private readonly table: TableClient;

  constructor(options: DynamoDbRecordingStoreOptions) {
    this.table = new TableClient(options);
  }

  create(recording: Recording): Promise<boolean> {
    return conditionHeld(
      this.table.put({
        Item: toItem({ ...recording, version: 1 }),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      }),
    );
  }

  async get(id: string): Promise<Recording | undefined> {
    const item = await this.table.get(recordingKeys.recording(id));
    return item ? fromItem(item) : undefined;
  }

  async put(next: Recording, condition: { expectedVersion: number }): Promise<void> {
    await writeOrThrow(
      this.table.put({
        Item: toItem({ ...next, version: condition.expectedVersion + 1 }),
        // The id, stream and session of a recording never change: a put cannot turn one record into another.
        ConditionExpression: '#version = :expected AND #streamId = :streamId AND #sessionId = :sessionId',
        ExpressionAttributeNames: { '#version': 'version', '#streamId': 'streamId', '#sessionId': 'sessionId' },
        ExpressionAttributeValues: marshall({ ':expected': condition.expectedVersion, ':streamId': next.streamId, ':sessionId': next.sessionId }),
      }),
      (failure) => new ConflictError(`Recording ${next.id} changed since it was read.`, { cause: failure }),
    );
  }

  async delete(id: string, condition: { expectedVersion: number }): Promise<void> {
    await writeOrThrow(
      this.table.delete({
        Key: marshall(recordingKeys.recording(id)),
        ConditionExpression: 'attribute_not_exists(#pk) OR #version = :expected',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#version': 'version' },
        ExpressionAttributeValues: marshall({ ':expected': condition.expectedVersion }),
      }),
      (failure) => new ConflictError(`Recording ${id} changed since it was read.`, { cause: failure }),
    );
  }

  async listByStream(streamId: string, options: { limit: number; cursor?: string }): Promise<Page<Recording>> {
    checkLimit(options.limit, MAX_LIST_LIMIT);
    const start = options.cursor === undefined ? undefined : decodeScopedCursor(options.cursor, streamId);
    return this.queryPage(
      {
        indexName: GSI1_NAME,
        partitionAttribute: GSI1_PARTITION_KEY,
        sortAttribute: GSI1_SORT_KEY,
        partitions: [recordingKeys.streamPartition(streamId)],
        order: 'newest-first',
        ...(start ? { after: `${start.createdAt}#${start.id}` } : {}),
      },
      options.limit,
      streamId,
    );
  }

  listUnsettled(options: { limit: number; cursor?: string }): Promise<Page<Recording>> {
    // The index lags the item: re-check what it says.
    return this.listState(recordingKeys.unsettledPartition, undefined, options, isUnsettled);
  }

  listSettledCreatedBefore(before: Date, options: { limit: number; cursor?: string }): Promise<Page<Recording>> {
    return this.listState(recordingKeys.settledPartition, before, options, (r) => !isUnsettled(r));
  }

  /** Oldest first from one gsi2 partition, optionally only items created before `before`. */
  private async listState(partition: ShardedPartition, before: Date | undefined, options: { limit: number; cursor?: string }, keep: (r: Recording) => boolean): Promise<Page<Recording>> {
    checkLimit(options.limit, MAX_LIST_LIMIT);
    const start = options.cursor === undefined ? undefined : decodeScopedCursor(options.cursor, partition.legacy);
    return this.queryPage(
      {
        indexName: GSI2_NAME,
        partitionAttribute: GSI2_PARTITION_KEY,
        sortAttribute: GSI2_SORT_KEY,
        partitions: partition.partitions,
        order: 'oldest-first',
        ...(before ? { upper: { value: before.toISOString() } } : {}),
        ...(start ? { after: `${start.createdAt}#${start.id}` } : {}),
      },
      options.limit,
      partition.legacy,
      keep,
    );
  }

  /** A page of recordings whose cursor is bound to `scope` (the listing it came from). */
  private async queryPage(query: IndexQuery, limit: number, scope: string, keep: (r: Recording) => boolean = () => true): Promise<Page<Recording>> {
    const page = await indexPage(this.table, query, limit, (item) => {
      const recording = fromItem(item);
      return keep(recording) ? recording : undefined;
    });
    const items = page.items.map((hit) => hit.value);
    const last = items[items.length - 1];
    return page.more && last ? { items, next: encodeCursor({ scope, createdAt: last.createdAt, id: last.id }) } : { items };
  }
}

function toItem(recording: Recording): Item {
  return marshall(
    {
      ...recording,
      ...recordingKeys.recording(recording.id),
      ...recordingKeys.streamIndex(recording.streamId, recording.createdAt, recording.id),
      ...recordingKeys.stateIndex(recording),
    },
    { removeUndefinedValues: true },
  );
}

const storedSchema = z.object({
  id: z.string(),
  streamId: z.string(),
  sessionId: z.string(),
  status: z.enum(RECORDING_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
  durationSeconds: z.number().optional(),
  bytes: z.number().optional(),
  segmentCount: z.number().optional(),
  renditions: z.array(z.string()).optional(),
  gapCount: z.number().optional(),
  finishedAt: z.string().optional(),
  failure: z.object({ reason: z.string(), retryable: z.boolean() }).optional(),
  announce: z.object({ token: z.string(), since: z.string() }).optional(),
  startAnnounced: z.boolean().optional(),
  mp4: z
    .object({ status: z.enum(MP4_STATUSES), requestedAt: z.string(), updatedAt: z.string(), bytes: z.number().optional(), error: z.string().optional() })
    .optional(),
  deleting: z.boolean().optional(),
  playbackPolicy: z.enum(['public', 'signed']).optional(),
  version: z.number().int(),
});

/** Copies only the model's fields (zod strips pk, gsi1sk…), so storage attributes never reach callers. */
function fromItem(item: Item): Recording {
  const parsed = storedSchema.parse(unmarshall(item));
  const recording: Recording = {
    id: parsed.id,
    streamId: parsed.streamId,
    sessionId: parsed.sessionId,
    status: parsed.status,
    createdAt: parsed.createdAt,
    updatedAt: parsed.updatedAt,
    version: parsed.version,
  };
  return copyDefined(recording, parsed as Recording, ['durationSeconds', 'bytes', 'segmentCount', 'renditions', 'gapCount', 'finishedAt', 'failure', 'announce', 'startAnnounced', 'mp4', 'deleting', 'playbackPolicy']);
}

// Cursors are opaque to callers but come back from outside, so they are parsed, never trusted; `scope`
// ties a cursor to the listing it came from (a cursor of stream A cannot page through stream B).
const cursorSchema = z
  .object({ v: z.literal(1), scope: z.string().max(64), createdAt: z.iso.datetime(), id: z.string().refine((v) => isId('recording', v)) })
  .strict();


function decodeScopedCursor(cursor: string, scope: string): { createdAt: string; id: string } {
  const position = decodeCursor(cursor, cursorSchema);
  if (position.scope !== scope) throw invalidCursor();
  return { createdAt: position.createdAt, id: position.id };
}
