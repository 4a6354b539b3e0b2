/**
 * Webhook endpoints on DynamoDB: the endpoint half of `WebhookStore`. Configuration edits are versioned
 * conditional writes; health (`failingSince`, disabling for failing) is written by the dispatcher with
 * its own conditions so an API edit and a failing run never overwrite each other.
 *
 * Must never: return storage attributes, or let a cursor from outside name another endpoint.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { ConflictError, DuplicateError } from '../core/errors';
import type { Page } from '../core/ports/stream-store';
import type { WebhookStore } from '../core/ports/webhook-store';
import type { WebhookEndpoint } from '../core/webhooks/webhooks';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY } from './dynamodb-table';
import { indexAll, indexCount, indexPage, type IndexQuery } from './dynamodb-sharded-index';
import type { TableClient } from './dynamodb-table-client';
import { checkLimit, conditionHeld, decodeCursor, encodeCursor, ifCondition, writeOrThrow } from './dynamodb-support';
import { buildUpdate } from './dynamodb-update-expression';
import { endpointCursor, endpointFromItem, MAX_WEBHOOK_LIST_LIMIT, webhookKeys } from './dynamodb-webhook-items';

export type WebhookEndpointStore = Pick<
  WebhookStore,
  'createEndpoint' | 'getEndpoint' | 'listEndpoints' | 'allEndpoints' | 'countEndpoints' | 'putEndpoint' | 'deleteEndpoint' | 'markFailing' | 'clearFailing' | 'disableForFailing'
>;

/** The endpoint list, newest first, merged across its shards. */
const listQuery: IndexQuery = {
  indexName: GSI1_NAME,
  partitionAttribute: GSI1_PARTITION_KEY,
  sortAttribute: GSI1_SORT_KEY,
  partitions: webhookKeys.endpointListPartition.partitions,
  order: 'newest-first',
};

export class DynamoDbWebhookEndpoints implements WebhookEndpointStore {
  constructor(private readonly table: TableClient) {}

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await writeOrThrow(
      this.table.put({
        Item: marshall({ ...endpoint, ...webhookKeys.endpoint(endpoint.id), ...webhookKeys.endpointIndex(endpoint.createdAt, endpoint.id) }, { removeUndefinedValues: true }),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
      }),
      () => new DuplicateError(`A webhook with id ${endpoint.id} already exists.`),
    );
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const item = await this.table.get(webhookKeys.endpoint(id));
    return item ? endpointFromItem(item) : undefined;
  }

  async listEndpoints(options: { limit: number; cursor?: string }): Promise<Page<WebhookEndpoint>> {
    checkLimit(options.limit, MAX_WEBHOOK_LIST_LIMIT);
    const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, endpointCursor);
    const page = await indexPage(this.table, { ...listQuery, ...(start ? { after: webhookKeys.endpointSort(start.createdAt, start.id) } : {}) }, options.limit, endpointFromItem);
    const items = page.items.map((hit) => hit.value);
    const last = items[items.length - 1];
    return { items, ...(page.more && last ? { next: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : {}) };
  }

  allEndpoints(): Promise<WebhookEndpoint[]> {
    return indexAll(this.table, listQuery, endpointFromItem);
  }

  async countEndpoints(): Promise<number> {
    // An endpoint moved from the legacy partition to its shard mid-count may count twice; it is a bound, not a listing.
    return indexCount(this.table, listQuery);
  }

  async putEndpoint(next: WebhookEndpoint, options: { expectedVersion: number; clearFailing?: boolean }): Promise<void> {
    const set: Record<string, unknown> = {
      url: next.url,
      events: [...next.events],
      enabled: next.enabled,
      secret: next.secret,
      updatedAt: next.updatedAt,
      version: options.expectedVersion + 1,
    };
    const optional = ['description', 'disabledReason', 'disabledAt', 'previousSecret', 'previousSecretExpiresAt'] as const;
    const remove: string[] = [];
    for (const field of optional) {
      if (next[field] !== undefined) set[field] = next[field];
      else remove.push(field);
    }
    if (options.clearFailing) remove.push('failingSince');
    const update = buildUpdate(set, remove);
    await writeOrThrow(
      this.table.update({
        Key: marshall(webhookKeys.endpoint(next.id)),
        UpdateExpression: update.expression,
        ConditionExpression: 'attribute_exists(#pk) AND #cond_version = :cond_expected',
        ExpressionAttributeNames: { ...update.names, '#pk': PARTITION_KEY, '#cond_version': 'version' },
        ExpressionAttributeValues: marshall({ ...update.values, ':cond_expected': options.expectedVersion }),
      }),
      (failure) => new ConflictError(`Webhook ${next.id} changed since it was read.`, { cause: failure }),
    );
  }

  deleteEndpoint(id: string): Promise<boolean> {
    return conditionHeld(
      this.table.delete({ Key: marshall(webhookKeys.endpoint(id)), ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }),
    );
  }

  async markFailing(endpointId: string, now: Date): Promise<string | undefined> {
    const out = await ifCondition(
      this.table.update({
        Key: marshall(webhookKeys.endpoint(endpointId)),
        UpdateExpression: 'SET #failingSince = if_not_exists(#failingSince, :now)',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#failingSince': 'failingSince', '#pk': PARTITION_KEY },
        ExpressionAttributeValues: marshall({ ':now': now.toISOString() }),
        ReturnValues: 'UPDATED_NEW',
      }),
      () => undefined,
    );
    return out?.Attributes?.failingSince?.S;
  }

  async clearFailing(endpointId: string): Promise<void> {
    // Not failing (or gone): nothing to clear.
    await conditionHeld(
      this.table.update({
        Key: marshall(webhookKeys.endpoint(endpointId)),
        UpdateExpression: 'REMOVE #failingSince',
        ConditionExpression: 'attribute_exists(#failingSince)',
        ExpressionAttributeNames: { '#failingSince': 'failingSince' },
      }),
    );
  }

  disableForFailing(endpointId: string, now: Date): Promise<boolean> {
    return conditionHeld(
      this.table.update({
        Key: marshall(webhookKeys.endpoint(endpointId)),
        UpdateExpression: 'SET #enabled = :false, #reason = :failing, #disabledAt = :now, #updatedAt = :now, #version = #version + :one',
        ConditionExpression: '#enabled = :true',
        ExpressionAttributeNames: { '#enabled': 'enabled', '#reason': 'disabledReason', '#disabledAt': 'disabledAt', '#updatedAt': 'updatedAt', '#version': 'version' },
        ExpressionAttributeValues: marshall({ ':false': false, ':true': true, ':failing': 'failing', ':now': now.toISOString(), ':one': 1 }),
      }),
    );
  }
}
