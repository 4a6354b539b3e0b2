/**
 * Webhook deliveries on DynamoDB: the claim protocol half of `WebhookStore`. A delivery item is the one
 * place where concurrent copies (duplicated messages, retries, manual redeliveries) agree who may send:
 * claims and completions are single conditional UpdateItems on it — no transactions (dynalite has none);
 * see core/webhooks/delivery.ts for the write order. Deliveries expire (TTL) after their last write.
 *
 * Must never: grant one attempt to two claimants at once, or record a second success.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ClaimRequest, CompleteRequest, Delivery, WebhookStore } from '../core/ports/webhook-store';
import { GSI2_NAME, GSI2_PARTITION_KEY, GSI2_SORT_KEY, PARTITION_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import type { TableClient } from './dynamodb-table-client';
import { indexPage } from './dynamodb-sharded-index';
import { checkLimit, conditionHeld } from './dynamodb-support';
import { buildUpdate, type UpdateExpression } from './dynamodb-update-expression';
import { DELIVERY_RETENTION_SECONDS, deliveryFromItem, webhookKeys } from './dynamodb-webhook-items';

const MAX_PENDING_READ = 10_000;
const PENDING_PAGE = 1000;

export type WebhookDeliveryStore = Pick<WebhookStore, 'claimAttempt' | 'releaseClaim' | 'completeAttempt' | 'getDelivery' | 'pendingDeliveries'>;

export class DynamoDbWebhookDeliveries implements WebhookDeliveryStore {
  constructor(
    private readonly table: TableClient,
    private readonly retentionSeconds = DELIVERY_RETENTION_SECONDS,
  ) {}

  claimAttempt(request: ClaimRequest): Promise<boolean> {
    const update = buildUpdate(
      {
        id: request.deliveryId,
        endpointId: request.endpointId,
        eventId: request.eventId,
        eventType: request.eventType,
        streamId: request.streamId,
        status: 'in_flight',
        lastAttempt: request.attempt,
        claimToken: request.token,
        leaseUntil: request.leaseUntil.getTime(),
        updatedAt: request.now.toISOString(),
        [TTL_ATTRIBUTE]: this.expiresAt(request.now),
        [GSI2_PARTITION_KEY]: webhookKeys.pendingPartition.key(request.deliveryId),
        [GSI2_SORT_KEY]: webhookKeys.pendingSort(request.leaseUntil.toISOString(), request.deliveryId),
      },
      ['nextAttemptAt'],
      { body: request.body, createdAt: request.now.toISOString() },
    );
    return conditionHeld(
      this.table.update({
        Key: marshall(webhookKeys.delivery(request.endpointId, request.deliveryId)),
        UpdateExpression: update.expression,
        // New; or not succeeded and either behind this attempt or held by a lapsed claim on this very attempt.
        ConditionExpression:
          'attribute_not_exists(#pk) OR (#status <> :c_succeeded AND (#lastAttempt < :c_attempt OR (#status = :c_inFlight AND #leaseUntil < :c_nowMs AND #lastAttempt = :c_attempt)))',
        ExpressionAttributeNames: { ...update.names, '#pk': PARTITION_KEY, '#status': 'status', '#lastAttempt': 'lastAttempt', '#leaseUntil': 'leaseUntil' },
        ExpressionAttributeValues: marshall(
          { ...update.values, ':c_succeeded': 'succeeded', ':c_inFlight': 'in_flight', ':c_attempt': request.attempt, ':c_nowMs': request.now.getTime() },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }

  async releaseClaim(endpointId: string, deliveryId: string, token: string): Promise<void> {
    // Another claim took over meanwhile: it is not ours to release.
    await conditionHeld(
      this.table.update({
        Key: marshall(webhookKeys.delivery(endpointId, deliveryId)),
        UpdateExpression: 'SET #leaseUntil = :zero',
        ConditionExpression: '#claimToken = :token',
        ExpressionAttributeNames: { '#leaseUntil': 'leaseUntil', '#claimToken': 'claimToken' },
        ExpressionAttributeValues: marshall({ ':zero': 0, ':token': token }),
      }),
    );
  }

  completeAttempt(request: CompleteRequest): Promise<boolean> {
    const base = { updatedAt: request.now.toISOString(), [TTL_ATTRIBUTE]: this.expiresAt(request.now) };
    let update: UpdateExpression;
    let condition: { expression: string; names: Record<string, string>; values: Record<string, unknown> };
    if (request.outcome === 'succeeded') {
      update = buildUpdate({ ...base, status: 'succeeded', lastStatusCode: request.statusCode }, ['claimToken', 'leaseUntil', 'nextAttemptAt', 'lastError', GSI2_PARTITION_KEY, GSI2_SORT_KEY]);
      // Whoever gets here first records the success; any other copy's 2xx is logged as a duplicate.
      condition = { expression: 'attribute_exists(#pk) AND #status <> :c_succeeded', names: { '#status': 'status' }, values: { ':c_succeeded': 'succeeded' } };
    } else {
      const set: Record<string, unknown> = { ...base, status: request.outcome };
      const remove = ['claimToken', 'leaseUntil'];
      if (request.error) set.lastError = request.error;
      if (request.statusCode !== undefined) set.lastStatusCode = request.statusCode;
      else remove.push('lastStatusCode');
      if (request.outcome === 'retrying' && request.nextAttemptAt) {
        set.nextAttemptAt = request.nextAttemptAt.toISOString();
        set[GSI2_SORT_KEY] = webhookKeys.pendingSort(request.nextAttemptAt.toISOString(), request.deliveryId);
      } else {
        remove.push('nextAttemptAt', GSI2_PARTITION_KEY, GSI2_SORT_KEY);
      }
      update = buildUpdate(set, remove);
      condition = { expression: 'attribute_exists(#pk) AND #claimToken_c = :c_token', names: { '#claimToken_c': 'claimToken' }, values: { ':c_token': request.token } };
    }
    return conditionHeld(
      this.table.update({
        Key: marshall(webhookKeys.delivery(request.endpointId, request.deliveryId)),
        UpdateExpression: update.expression,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: { ...update.names, '#pk': PARTITION_KEY, ...condition.names },
        ExpressionAttributeValues: marshall({ ...update.values, ...condition.values }, { removeUndefinedValues: true }),
      }),
    );
  }

  async getDelivery(endpointId: string, deliveryId: string): Promise<Delivery | undefined> {
    // A delivery written before sharding is still found where it was.
    const item = (await this.table.get(webhookKeys.delivery(endpointId, deliveryId))) ?? (await this.table.get(webhookKeys.legacyDelivery(endpointId, deliveryId)));
    return item ? deliveryFromItem(item) : undefined;
  }

  async pendingDeliveries(limit: number): Promise<Array<Delivery & { dueAt: string }>> {
    checkLimit(limit, MAX_PENDING_READ);
    // Oldest due first across the shards; reading stops once `limit` are found.
    const page = await indexPage(
      this.table,
      { indexName: GSI2_NAME, partitionAttribute: GSI2_PARTITION_KEY, sortAttribute: GSI2_SORT_KEY, partitions: webhookKeys.pendingPartition.partitions, order: 'oldest-first', pageSize: Math.min(PENDING_PAGE, limit) },
      limit,
      (item) => ({ ...deliveryFromItem(item), dueAt: (item[GSI2_SORT_KEY]?.S ?? '').split('#')[0] as string }),
    );
    return page.items.map((hit) => hit.value);
  }

  private expiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.retentionSeconds;
  }
}
