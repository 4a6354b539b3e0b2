/**
 * The stream registry on DynamoDB (`StreamStore`). Layout: see dynamodb-table.ts — a stream item
 * `STREAM#<id>/STREAM`, a key-index item `KEY#<hash>/KEY → streamId`, a counter `SEQ#<id>/SEQ`, and
 * the listing index gsi1 (`STREAMS#<shard>`, `<createdAt>#<id>`, merged newest first across shards).
 *
 * Consistency without transactions: dynalite 4 has no TransactWriteItems, so the stream item is the single
 * source of truth and the key item is only an index into it. `getByKeyHash` reads the key item, then the
 * stream (both strongly consistent) and accepts the match only if the stream's own `keyHash` is the hash
 * looked up. Every key change is therefore one conditional write on the stream item: a reset key stops
 * resolving the instant that write lands, a deleted stream the instant its item is gone. Key items are
 * written before the stream points at them and removed after it no longer does; a crash in between leaves
 * an orphan key item that resolves to nothing and is harmless.
 *
 * Must never: store or log a stream key; read an index for anything that decides access.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { ConflictError, DuplicateError, NotFoundError, StreamplaneError } from '../core/errors';
import { isId } from '../core/ids';
import { systemClock, type Clock } from '../core/ports/clock';
import { silentLogger, type Logger } from '../core/ports/logger';
import type { Page, StreamStore } from '../core/ports/stream-store';
import type { Stream, StreamStatus } from '../core/streams/stream';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, itemKeys } from './dynamodb-table';
import { indexPage } from './dynamodb-sharded-index';
import { streamlessSequence } from './dynamodb-streamless-sequence';
import { TableClient, type Item } from './dynamodb-table-client';
import { checkLimit, copyDefined, decodeCursor, encodeCursor, ifCondition, isConditionFailure, writeOrThrow } from './dynamodb-support';

export interface DynamoDbStreamStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
  /** Told about failed best-effort cleanups (orphan key items); never given a key. */
  logger?: Logger;
  /** Where stream-less event sequences come from (see dynamodb-streamless-sequence.ts). */
  clock?: Clock;
}

const MAX_LIST_LIMIT = 1000;
const MAX_DELETE_ATTEMPTS = 8;

export class DynamoDbStreamStore implements StreamStore {
  private readonly table: TableClient;
  private readonly logger: Logger;
  private readonly streamless: { next(): number };

  constructor(options: DynamoDbStreamStoreOptions) {
    this.table = new TableClient(options);
    this.logger = options.logger ?? silentLogger;
    this.streamless = streamlessSequence(options.clock ?? systemClock);
  }

  async create(stream: Stream): Promise<void> {
    // Key item first: until the stream item exists it resolves to nothing.
    await writeOrThrow(this.putKeyItem(stream.keyHash, stream.id), () => new DuplicateError('A stream with this key already exists.'));
    // Only a definite refusal removes the key item: after an ambiguous failure the stream may exist
    // and need it, while an orphan key item is harmless.
    await ifCondition(this.table.put({ Item: toItem(stream), ConditionExpression: 'attribute_not_exists(pk)' }), async () => {
      await this.removeKeyItem(stream.keyHash, stream.id);
      throw new DuplicateError(`A stream with id ${stream.id} already exists.`);
    });
  }

  async get(id: string): Promise<Stream | undefined> {
    const item = await this.table.get(itemKeys.stream(id));
    return item ? fromItem(item) : undefined;
  }

  async getByKeyHash(keyHash: string): Promise<Stream | undefined> {
    const streamId = (await this.table.get(itemKeys.keyHash(keyHash)))?.streamId?.S;
    if (!streamId) return undefined;
    const stream = await this.get(streamId);
    // The stream item is authoritative: a key item left behind by a reset or delete matches nothing.
    return stream && stream.keyHash === keyHash ? stream : undefined;
  }

  async list(options: { limit: number; cursor?: string }): Promise<Page<Stream>> {
    checkLimit(options.limit, MAX_LIST_LIMIT);
    const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, cursorSchema);
    const page = await indexPage(
      this.table,
      {
        indexName: GSI1_NAME,
        partitionAttribute: GSI1_PARTITION_KEY,
        sortAttribute: GSI1_SORT_KEY,
        partitions: itemKeys.streamListPartition.partitions,
        order: 'newest-first',
        ...(start ? { after: itemKeys.streamSort(start.createdAt, start.id) } : {}),
      },
      options.limit,
      fromItem,
    );
    const items = page.items.map((hit) => hit.value);
    const last = items[items.length - 1];
    return page.more && last ? { items, next: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : { items };
  }

  async put(next: Stream, condition: { expectedVersion: number; expectedStatus?: ReadonlyArray<StreamStatus> }): Promise<void> {
    const names: Record<string, string> = { '#version': 'version', '#keyHash': 'keyHash' };
    const values: Record<string, unknown> = { ':expected': condition.expectedVersion, ':keyHash': next.keyHash };
    // The key hash only changes through replaceKeyHash, which keeps the key index in step with it.
    let expression = '#version = :expected AND #keyHash = :keyHash';
    if (condition.expectedStatus) {
      if (condition.expectedStatus.length === 0) throw new ConflictError(`Stream ${next.id} is in none of the expected statuses.`);
      names['#status'] = 'status';
      const placeholders = condition.expectedStatus.map((status, i) => {
        values[`:s${i}`] = status;
        return `:s${i}`;
      });
      expression += ` AND #status IN (${placeholders.join(', ')})`;
    }
    await writeOrThrow(
      this.table.put({
        Item: toItem({ ...next, version: condition.expectedVersion + 1 }),
        ConditionExpression: expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall(values),
      }),
      (failure) => new ConflictError(`Stream ${next.id} changed since it was read.`, { cause: failure }),
    );
  }

  async replaceKeyHash(id: string, oldHash: string, newHash: string, next: Stream, expectedVersion: number): Promise<void> {
    if (next.id !== id || next.keyHash !== newHash) {
      throw new StreamplaneError('internal', 'replaceKeyHash: next must be the same stream carrying the new key hash.');
    }
    await writeOrThrow(this.putKeyItem(newHash, id), () => new DuplicateError('A stream with this key already exists.'));
    // The one write that switches keys: from here the old hash fails getByKeyHash's check. An ambiguous
    // failure propagates and keeps the new key item (see create).
    await ifCondition(
      this.table.put({
        Item: toItem({ ...next, version: expectedVersion + 1 }),
        ConditionExpression: '#version = :expected AND #keyHash = :oldHash',
        ExpressionAttributeNames: { '#version': 'version', '#keyHash': 'keyHash' },
        ExpressionAttributeValues: marshall({ ':expected': expectedVersion, ':oldHash': oldHash }),
      }),
      async (failure) => {
        await this.removeKeyItem(newHash, id);
        throw new ConflictError(`Stream ${id} changed since it was read.`, { cause: failure });
      },
    );
    // The reset has happened; failing here would make the caller retry and lose the key it was shown.
    await this.removeKeyItem(oldHash, id);
  }

  async delete(id: string): Promise<Stream> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(id);
      if (!current) throw new NotFoundError('stream', id);
      // Conditional on the version we read: the stream deleted is exactly the one returned (its key hash
      // and open session), so the caller can report what was cut off.
      const deleted = await ifCondition(
        this.table.delete({
          Key: marshall(itemKeys.stream(id)),
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: marshall({ ':version': current.version }),
        }),
        (failure) => {
          if (attempt < MAX_DELETE_ATTEMPTS) return undefined;
          throw new ConflictError(`Stream ${id} kept changing while being deleted.`, { cause: failure });
        },
      );
      if (!deleted) continue;
      await this.removeKeyItem(current.keyHash, id);
      return current;
    }
  }

  async nextSequence(streamId: string | null): Promise<number> {
    // Stream-less events would all hit one counter item: they take a clock-derived number instead.
    if (streamId === null) return this.streamless.next();
    const out = await this.table.update({
      Key: marshall(itemKeys.sequence(streamId)),
      UpdateExpression: 'ADD #value :one',
      ExpressionAttributeNames: { '#value': 'value' },
      ExpressionAttributeValues: marshall({ ':one': 1 }),
      ReturnValues: 'UPDATED_NEW',
    });
    const value = Number(out.Attributes?.value?.N);
    if (!Number.isSafeInteger(value) || value < 1) throw new StreamplaneError('internal', 'Sequence counter returned no value.');
    return value;
  }

  private putKeyItem(keyHash: string, streamId: string) {
    return this.table.put({ Item: marshall({ ...itemKeys.keyHash(keyHash), streamId }), ConditionExpression: 'attribute_not_exists(pk)' });
  }

  /** Best effort: a key item left behind resolves to nothing (see top of file), so failure is only logged. */
  private async removeKeyItem(keyHash: string, streamId: string): Promise<void> {
    try {
      await this.table.delete({
        Key: marshall(itemKeys.keyHash(keyHash)),
        ConditionExpression: 'streamId = :streamId',
        ExpressionAttributeValues: marshall({ ':streamId': streamId }),
      });
    } catch (err) {
      if (isConditionFailure(err)) return;
      this.logger.warn('could not remove a stale key index item', { streamId, error: err instanceof Error ? err.name : 'unknown' });
    }
  }
}

function toItem(stream: Stream): Item {
  return marshall(
    { ...stream, ...itemKeys.stream(stream.id), ...itemKeys.streamIndex(stream.createdAt, stream.id) },
    { removeUndefinedValues: true },
  );
}

/** Copies only the model's fields, so storage attributes (pk, gsi1sk…) never reach callers. */
function fromItem(item: Item): Stream {
  const raw = unmarshall(item) as Stream;
  const stream: Stream = {
    id: raw.id,
    name: raw.name,
    status: raw.status,
    keyHash: raw.keyHash,
    recording: raw.recording,
    reconnectWindowSeconds: raw.reconnectWindowSeconds,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    version: raw.version,
  };
  return copyDefined(stream, raw, ['playbackPolicy', 'dvrWindowSeconds', 'sessionId', 'sessionStartedAt', 'lastSessionId', 'transcode', 'latencyMode', 'output', 'outputSequence', 'source', 'pull', 'transcodeMode', 'srtPassphrase', 'fallback', 'slateMediaId', 'reconnectSlate', 'backupPolicy', 'backupRevertSeconds', 'feeds', 'ingestCell']);
}

// Cursors are opaque to callers but come back from outside, so they are parsed, never trusted.
const cursorSchema = z.object({ v: z.literal(1), createdAt: z.iso.datetime(), id: z.string().refine((v) => isId('stream', v)) }).strict();
