/**
 * The webhook attempt log on DynamoDB: one item per HTTP request made (`appendAttempt`), listed newest
 * first per endpoint (gsi1, sharded by delivery id and merged) or per delivery (base-table prefix). Attempts expire (TTL) after retention.
 *
 * Must never: drop an attempt because another copy made the same attempt number, or let a cursor from
 * outside page through another endpoint's or delivery's attempts.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { randomBytes } from 'node:crypto';
import type { Page } from '../core/ports/stream-store';
import type { DeliveryAttempt, WebhookStore } from '../core/ports/webhook-store';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import type { Item, TableClient } from './dynamodb-table-client';
import { indexPage, type IndexQuery } from './dynamodb-sharded-index';
import { checkLimit, decodeCursor, encodeCursor, invalidCursor } from './dynamodb-support';
import { attemptCursor, attemptFromItem, DELIVERY_RETENTION_SECONDS, MAX_WEBHOOK_LIST_LIMIT, webhookKeys } from './dynamodb-webhook-items';

export type WebhookAttemptLog = Pick<WebhookStore, 'appendAttempt' | 'listAttempts'>;

export class DynamoDbWebhookAttempts implements WebhookAttemptLog {
  constructor(
    private readonly table: TableClient,
    private readonly retentionSeconds = DELIVERY_RETENTION_SECONDS,
  ) {}

  async appendAttempt(attempt: DeliveryAttempt): Promise<void> {
    // Two copies may make the same attempt number after a lapsed lease; both HTTP requests are logged.
    const unique = randomBytes(4).toString('hex');
    const item = {
      ...attempt,
      [PARTITION_KEY]: webhookKeys.deliveryPartition(attempt.endpointId, attempt.deliveryId),
      [SORT_KEY]: webhookKeys.attemptSort(attempt.deliveryId, attempt.attempt, attempt.startedAt, unique),
      [GSI1_PARTITION_KEY]: webhookKeys.attemptPartition(attempt.endpointId).key(attempt.deliveryId),
      [GSI1_SORT_KEY]: webhookKeys.attemptIndexSort(attempt.startedAt, attempt.deliveryId, attempt.attempt, unique),
      [TTL_ATTRIBUTE]: Math.floor(Date.parse(attempt.startedAt) / 1000) + this.retentionSeconds,
    };
    await this.table.put({ Item: marshall(item, { removeUndefinedValues: true }) });
  }

  async listAttempts(endpointId: string, options: { limit: number; cursor?: string; deliveryId?: string }): Promise<Page<DeliveryAttempt>> {
    checkLimit(options.limit, MAX_WEBHOOK_LIST_LIMIT);
    const partition = webhookKeys.endpointPartition(endpointId);
    const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, attemptCursor);
    let query: IndexQuery;
    if (options.deliveryId !== undefined) {
      // One delivery's attempts: a prefix of its delivery shard's base-table partition (and of the pre-sharding one).
      const prefix = webhookKeys.attemptPrefix(options.deliveryId);
      if (start && !start.sk.startsWith(prefix)) throw invalidCursor();
      query = {
        partitionAttribute: PARTITION_KEY,
        sortAttribute: SORT_KEY,
        // Its delivery's shard, and the endpoint's partition attempts were written to before sharding.
        partitions: [webhookKeys.deliveryPartition(endpointId, options.deliveryId), partition],
        order: 'newest-first',
        lower: { value: prefix },
        // '$' sorts right after '#': every attempt sort key of this delivery is below it.
        upper: { value: `${prefix.slice(0, -1)}$` },
        ...(start ? { after: start.sk } : {}),
      };
    } else {
      if (start && start.gsi1sk === undefined) throw invalidCursor();
      query = {
        indexName: GSI1_NAME,
        partitionAttribute: GSI1_PARTITION_KEY,
        sortAttribute: GSI1_SORT_KEY,
        partitions: webhookKeys.attemptPartition(endpointId).partitions,
        order: 'newest-first',
        ...(start?.gsi1sk !== undefined ? { after: start.gsi1sk } : {}),
      };
    }
    // Items are kept as read: the cursor is built from the last item's storage keys.
    const page = await indexPage(this.table, query, options.limit, (item: Item) => item);
    const items = page.items.map((hit) => attemptFromItem(hit.value));
    const lastItem = page.items[page.items.length - 1]?.value;
    if (!page.more || !lastItem) return { items };
    const sk = lastItem[SORT_KEY]?.S ?? '';
    const gsi1sk = lastItem[GSI1_SORT_KEY]?.S;
    return { items, next: encodeCursor(options.deliveryId === undefined ? { sk, gsi1sk } : { sk }) };
  }
}
