/**
 * Media library items on DynamoDB (`MediaStore`), in the plane's single table (attribute names from
 * dynamodb-table.ts). Every base-table key starts with `MEDIA#`, so IAM can confine a function to these
 * items with one `dynamodb:LeadingKeys` pattern.
 *
 *   media item  MEDIA#<medId> / MEDIA     gsi1: MEDIA#<nn> / <createdAt>#<medId>   (the library, newest first,
 *                                         four shards merged on read; see dynamodb-shards.ts)
 *
 * Must never: return storage attributes, or overwrite an item without its version check.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { ConflictError } from '../core/errors';
import { isId } from '../core/ids';
import { MEDIA_FAILURES, MEDIA_KINDS, MEDIA_STATUSES, type MediaItem } from '../core/media-library/media-item';
import type { MediaStore } from '../core/ports/media-store';
import type { Page } from '../core/ports/stream-store';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY } from './dynamodb-table';
import { TableClient, type Item } from './dynamodb-table-client';
import { indexPage } from './dynamodb-sharded-index';
import { shardedPartition } from './dynamodb-shards';
import { checkLimit, conditionHeld, copyDefined, decodeCursor, encodeCursor, writeOrThrow } from './dynamodb-support';

/** Key builders: the only place media item keys are spelled. */
const listPartition = shardedPartition('MEDIA', 4);
export const mediaKeys = {
  item: (id: string) => ({ [PARTITION_KEY]: `MEDIA#${id}`, [SORT_KEY]: 'MEDIA' }),
  listPartition,
  listIndex: (createdAt: string, id: string) => ({ [GSI1_PARTITION_KEY]: listPartition.key(id), [GSI1_SORT_KEY]: `${createdAt}#${id}` }),
} as const;

/** The base-table key prefix of media items, for IAM `dynamodb:LeadingKeys`. */
export const MEDIA_ITEM_PREFIX = 'MEDIA#';

const MAX_LIST_LIMIT = 1000;

export class DynamoDbMediaStore implements MediaStore {
  private readonly table: TableClient;

  constructor(options: { tableName: string; client?: DynamoDBClient }) {
    this.table = new TableClient(options);
  }

  create(item: MediaItem): Promise<boolean> {
    return conditionHeld(
      this.table.put({ Item: toItem({ ...item, version: 1 }), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }),
    );
  }

  async get(id: string): Promise<MediaItem | undefined> {
    const item = await this.table.get(mediaKeys.item(id));
    return item ? fromItem(item) : undefined;
  }

  async put(next: MediaItem, condition: { expectedVersion: number }): Promise<void> {
    await writeOrThrow(
      this.table.put({
        Item: toItem({ ...next, version: condition.expectedVersion + 1 }),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: marshall({ ':expected': condition.expectedVersion }),
      }),
      (failure) => new ConflictError(`Media ${next.id} changed since it was read.`, { cause: failure }),
    );
  }

  async delete(id: string): Promise<void> {
    await this.table.delete({ Key: marshall(mediaKeys.item(id)) });
  }

  async list(options: { limit: number; cursor?: string }): Promise<Page<MediaItem>> {
    checkLimit(options.limit, MAX_LIST_LIMIT);
    const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, cursorSchema);
    const page = await indexPage(
      this.table,
      {
        indexName: GSI1_NAME,
        partitionAttribute: GSI1_PARTITION_KEY,
        sortAttribute: GSI1_SORT_KEY,
        partitions: mediaKeys.listPartition.partitions,
        order: 'newest-first',
        ...(start ? { after: `${start.createdAt}#${start.id}` } : {}),
      },
      options.limit,
      (item) => fromItem(item),
    );
    const items = page.items.map((hit) => hit.value);
    const last = items[items.length - 1];
    return page.more && last ? { items, next: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : { items };
  }
}

function toItem(item: MediaItem): Item {
  return marshall({ ...item, ...mediaKeys.item(item.id), ...mediaKeys.listIndex(item.createdAt, item.id) }, { removeUndefinedValues: true });
}

const storedSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(MEDIA_STATUSES),
  objectKey: z.string(),
  uploadExpiresAt: z.string(),
  durationSeconds: z.number().optional(),
  kind: z.enum(MEDIA_KINDS).optional(),
  codecs: z.array(z.string()).optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  still: z.boolean().optional(),
  bytes: z.number().optional(),
  error: z.string().optional(),
  failure: z.enum(MEDIA_FAILURES).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});

/** Copies only the model's fields (zod strips pk, gsi1sk…), so storage attributes never reach callers. */
function fromItem(item: Item): MediaItem {
  const parsed = storedSchema.parse(unmarshall(item));
  const out: MediaItem = {
    id: parsed.id,
    name: parsed.name,
    status: parsed.status,
    objectKey: parsed.objectKey,
    uploadExpiresAt: parsed.uploadExpiresAt,
    createdAt: parsed.createdAt,
    updatedAt: parsed.updatedAt,
    version: parsed.version,
  };
  return copyDefined(out, parsed as MediaItem, ['durationSeconds', 'kind', 'codecs', 'width', 'height', 'still', 'bytes', 'error', 'failure']);
}

// Cursors come back from outside: parsed, never trusted.
const cursorSchema = z.object({ v: z.literal(1), createdAt: z.iso.datetime(), id: z.string().refine((v) => isId('media', v)) }).strict();
