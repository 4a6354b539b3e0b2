/**
 * Webhook endpoints, deliveries and the attempt log on DynamoDB (`WebhookStore`), in the plane's single
 * table (attribute names from dynamodb-table.ts). Every key starts with `WEBHOOK`, so IAM can confine a
 * function to these items with one `dynamodb:LeadingKeys` pattern (`WEBHOOK*`).
 *
 *   endpoint  WEBHOOK#<whId> / ENDPOINT                       gsi1: WEBHOOKS / <createdAt>#<whId>   (list)
 *   delivery  WEBHOOK#<whId> / DLV#<dlvId>                    gsi2: WEBHOOK_PENDING / <dueAt>#<dlvId>
 *             (one per event and endpoint; claim, status)           only while in flight or retrying
 *   attempt   WEBHOOK#<whId> / DLV#<dlvId>#ATT#<nnnn>#<time>#<r>  gsi1: WEBHOOK#<whId>#ATTEMPTS / <time>#<dlvId>#<nnnn>#<r>
 *
 * Deliveries and attempts expire (TTL `expiresAt`, 30 days after their last write by default); the
 * endpoint item does not. Claims and completions are single conditional UpdateItems on the delivery
 * item — no transactions (dynalite has none) — see core/webhooks/delivery.ts for the write order.
 *
 * Must never: return storage attributes, or let a cursor from outside name another endpoint's items.
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, DuplicateError, ValidationError } from '../core/errors';
import { isId } from '../core/ids';
import type { Page } from '../core/ports/stream-store';
import type { ClaimRequest, CompleteRequest, Delivery, DeliveryAttempt, WebhookStore } from '../core/ports/webhook-store';
import type { WebhookEndpoint } from '../core/webhooks/webhooks';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, GSI2_NAME, GSI2_PARTITION_KEY, GSI2_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './dynamodb-table';
import { decodeCursor, encodeCursor, invalidCursor, isConditionFailure } from './dynamodb-support';

export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;
const MAX_LIST_LIMIT = 100;
const MAX_PENDING_READ = 10_000;

/** Key builders: the only place webhook item keys are spelled. */
export const webhookKeys = {
  endpoint: (id: string) => ({ [PARTITION_KEY]: `WEBHOOK#${id}`, [SORT_KEY]: 'ENDPOINT' }),
  endpointListPartition: 'WEBHOOKS',
  endpointIndex: (createdAt: string, id: string) => ({ [GSI1_PARTITION_KEY]: 'WEBHOOKS', [GSI1_SORT_KEY]: `${createdAt}#${id}` }),
  delivery: (endpointId: string, deliveryId: string) => ({ [PARTITION_KEY]: `WEBHOOK#${endpointId}`, [SORT_KEY]: `DLV#${deliveryId}` }),
  pendingPartition: 'WEBHOOK_PENDING',
  pendingSort: (dueAt: string, deliveryId: string) => `${dueAt}#${deliveryId}`,
  attemptPrefix: (deliveryId: string) => `DLV#${deliveryId}#ATT#`,
  attemptSort: (deliveryId: string, attempt: number, startedAt: string, unique: string) => `DLV#${deliveryId}#ATT#${pad(attempt)}#${startedAt}#${unique}`,
  attemptPartition: (endpointId: string) => `WEBHOOK#${endpointId}#ATTEMPTS`,
  attemptIndexSort: (startedAt: string, deliveryId: string, attempt: number, unique: string) => `${startedAt}#${deliveryId}#${pad(attempt)}#${unique}`,
} as const;

function pad(attempt: number): string {
  return String(attempt).padStart(4, '0');
}

export interface DynamoDbWebhookStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
  retentionSeconds?: number;
}

export class DynamoDbWebhookStore implements WebhookStore {
  private readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly retentionSeconds: number;

  constructor(options: DynamoDbWebhookStoreOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? new DynamoDBClient({});
    this.retentionSeconds = options.retentionSeconds ?? DELIVERY_RETENTION_SECONDS;
  }

  // ------------------------------------------------------------------------------------------------
  // Endpoints

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...endpoint, ...webhookKeys.endpoint(endpoint.id), ...webhookKeys.endpointIndex(endpoint.createdAt, endpoint.id) }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new DuplicateError(`A webhook with id ${endpoint.id} already exists.`);
      throw err;
    }
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(webhookKeys.endpoint(id)), ConsistentRead: true }));
    return out.Item ? endpointFromItem(out.Item) : undefined;
  }

  async listEndpoints(options: { limit: number; cursor?: string }): Promise<Page<WebhookEndpoint>> {
    checkLimit(options.limit);
    const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, endpointCursor);
    const page = await this.queryPage(
      {
        IndexName: GSI1_NAME,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY },
        ExpressionAttributeValues: marshall({ ':pk': webhookKeys.endpointListPartition }),
        ScanIndexForward: false,
        ...(start ? { ExclusiveStartKey: marshall({ ...webhookKeys.endpoint(start.id), ...webhookKeys.endpointIndex(start.createdAt, start.id) }) } : {}),
      },
      options.limit,
    );
    const items = page.items.map(endpointFromItem);
    const last = items[items.length - 1];
    return { items, ...(page.more && last ? { next: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : {}) };
  }

  async allEndpoints(): Promise<WebhookEndpoint[]> {
    const endpoints: WebhookEndpoint[] = [];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI1_NAME,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY },
          ExpressionAttributeValues: marshall({ ':pk': webhookKeys.endpointListPartition }),
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of out.Items ?? []) endpoints.push(endpointFromItem(item));
      exclusiveStartKey = out.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return endpoints;
  }

  async countEndpoints(): Promise<number> {
    let count = 0;
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI1_NAME,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY },
          ExpressionAttributeValues: marshall({ ':pk': webhookKeys.endpointListPartition }),
          Select: 'COUNT',
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      count += out.Count ?? 0;
      exclusiveStartKey = out.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return count;
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
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(webhookKeys.endpoint(next.id)),
          UpdateExpression: update.expression,
          ConditionExpression: 'attribute_exists(#pk) AND #cond_version = :cond_expected',
          ExpressionAttributeNames: { ...update.names, '#pk': PARTITION_KEY, '#cond_version': 'version' },
          ExpressionAttributeValues: marshall({ ...update.values, ':cond_expected': options.expectedVersion }),
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`Webhook ${next.id} changed since it was read.`, { cause: err });
      throw err;
    }
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall(webhookKeys.endpoint(id)),
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async markFailing(endpointId: string, now: Date): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(webhookKeys.endpoint(endpointId)),
          UpdateExpression: 'SET #failingSince = if_not_exists(#failingSince, :now)',
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#failingSince': 'failingSince', '#pk': PARTITION_KEY },
          ExpressionAttributeValues: marshall({ ':now': now.toISOString() }),
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return out.Attributes?.failingSince?.S;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async clearFailing(endpointId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(webhookKeys.endpoint(endpointId)),
          UpdateExpression: 'REMOVE #failingSince',
          ConditionExpression: 'attribute_exists(#failingSince)',
          ExpressionAttributeNames: { '#failingSince': 'failingSince' },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async disableForFailing(endpointId: string, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(webhookKeys.endpoint(endpointId)),
          UpdateExpression: 'SET #enabled = :false, #reason = :failing, #disabledAt = :now, #updatedAt = :now, #version = #version + :one',
          ConditionExpression: '#enabled = :true',
          ExpressionAttributeNames: { '#enabled': 'enabled', '#reason': 'disabledReason', '#disabledAt': 'disabledAt', '#updatedAt': 'updatedAt', '#version': 'version' },
          ExpressionAttributeValues: marshall({ ':false': false, ':true': true, ':failing': 'failing', ':now': now.toISOString(), ':one': 1 }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Deliveries

  async claimAttempt(request: ClaimRequest): Promise<boolean> {
    const leaseUntil = request.leaseUntil.getTime();
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
        leaseUntil,
        updatedAt: request.now.toISOString(),
        [TTL_ATTRIBUTE]: this.expiresAt(request.now),
        [GSI2_PARTITION_KEY]: webhookKeys.pendingPartition,
        [GSI2_SORT_KEY]: webhookKeys.pendingSort(request.leaseUntil.toISOString(), request.deliveryId),
      },
      ['nextAttemptAt'],
      { body: request.body, createdAt: request.now.toISOString() },
    );
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
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
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async releaseClaim(endpointId: string, deliveryId: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(webhookKeys.delivery(endpointId, deliveryId)),
          UpdateExpression: 'SET #leaseUntil = :zero',
          ConditionExpression: '#claimToken = :token',
          ExpressionAttributeNames: { '#leaseUntil': 'leaseUntil', '#claimToken': 'claimToken' },
          ExpressionAttributeValues: marshall({ ':zero': 0, ':token': token }),
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async completeAttempt(request: CompleteRequest): Promise<boolean> {
    const now = request.now.toISOString();
    const base = { updatedAt: now, [TTL_ATTRIBUTE]: this.expiresAt(request.now) };
    let update: ReturnType<typeof buildUpdate>;
    let condition: string;
    let conditionValues: Record<string, unknown>;
    if (request.outcome === 'succeeded') {
      update = buildUpdate({ ...base, status: 'succeeded', lastStatusCode: request.statusCode }, ['claimToken', 'leaseUntil', 'nextAttemptAt', 'lastError', GSI2_PARTITION_KEY, GSI2_SORT_KEY]);
      // Whoever gets here first records the success; any other copy's 2xx is logged as a duplicate.
      condition = 'attribute_exists(#pk) AND #status <> :c_succeeded';
      conditionValues = { ':c_succeeded': 'succeeded' };
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
      condition = 'attribute_exists(#pk) AND #claimToken_c = :c_token';
      conditionValues = { ':c_token': request.token };
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(webhookKeys.delivery(request.endpointId, request.deliveryId)),
          UpdateExpression: update.expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            ...update.names,
            '#pk': PARTITION_KEY,
            ...(request.outcome === 'succeeded' ? { '#status': 'status' } : { '#claimToken_c': 'claimToken' }),
          },
          ExpressionAttributeValues: marshall({ ...update.values, ...conditionValues }, { removeUndefinedValues: true }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async appendAttempt(attempt: DeliveryAttempt): Promise<void> {
    // Two copies may make the same attempt number after a lapsed lease; both HTTP requests are logged.
    const unique = randomBytes(4).toString('hex');
    const item = {
      ...attempt,
      [PARTITION_KEY]: `WEBHOOK#${attempt.endpointId}`,
      [SORT_KEY]: webhookKeys.attemptSort(attempt.deliveryId, attempt.attempt, attempt.startedAt, unique),
      [GSI1_PARTITION_KEY]: webhookKeys.attemptPartition(attempt.endpointId),
      [GSI1_SORT_KEY]: webhookKeys.attemptIndexSort(attempt.startedAt, attempt.deliveryId, attempt.attempt, unique),
      [TTL_ATTRIBUTE]: this.expiresAt(new Date(attempt.startedAt)),
    };
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(item, { removeUndefinedValues: true }) }));
  }

  async getDelivery(endpointId: string, deliveryId: string): Promise<Delivery | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall(webhookKeys.delivery(endpointId, deliveryId)), ConsistentRead: true }),
    );
    return out.Item ? deliveryFromItem(out.Item) : undefined;
  }

  async listAttempts(endpointId: string, options: { limit: number; cursor?: string; deliveryId?: string }): Promise<Page<DeliveryAttempt>> {
    checkLimit(options.limit);
    const partition = `WEBHOOK#${endpointId}`;
    let input: Omit<QueryCommandInput, 'TableName'>;
    if (options.deliveryId !== undefined) {
      const prefix = webhookKeys.attemptPrefix(options.deliveryId);
      const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, attemptCursor);
      if (start && !start.sk.startsWith(prefix)) throw invalidCursor();
      input = {
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: marshall({ ':pk': partition, ':prefix': prefix }),
        ScanIndexForward: false,
        ...(start ? { ExclusiveStartKey: marshall({ [PARTITION_KEY]: partition, [SORT_KEY]: start.sk }) } : {}),
      };
    } else {
      const start = options.cursor === undefined ? undefined : decodeCursor(options.cursor, attemptCursor);
      if (start && start.gsi1sk === undefined) throw invalidCursor();
      input = {
        IndexName: GSI1_NAME,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': GSI1_PARTITION_KEY },
        ExpressionAttributeValues: marshall({ ':pk': webhookKeys.attemptPartition(endpointId) }),
        ScanIndexForward: false,
        ...(start
          ? {
              ExclusiveStartKey: marshall({
                [PARTITION_KEY]: partition,
                [SORT_KEY]: start.sk,
                [GSI1_PARTITION_KEY]: webhookKeys.attemptPartition(endpointId),
                [GSI1_SORT_KEY]: start.gsi1sk,
              }),
            }
          : {}),
      };
    }
    const page = await this.queryPage(input, options.limit);
    const items = page.items.map(attemptFromItem);
    const lastItem = page.items[page.items.length - 1];
    if (!page.more || !lastItem) return { items };
    const sk = lastItem[SORT_KEY]?.S ?? '';
    const gsi1sk = lastItem[GSI1_SORT_KEY]?.S;
    return { items, next: encodeCursor(options.deliveryId === undefined ? { sk, gsi1sk } : { sk }) };
  }

  async pendingDeliveries(limit: number): Promise<Array<Delivery & { dueAt: string }>> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PENDING_READ) {
      throw new ValidationError(`limit must be an integer from 1 to ${MAX_PENDING_READ}.`, [{ path: 'limit', message: 'out of range' }]);
    }
    const out: Array<Delivery & { dueAt: string }> = [];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI2_NAME,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': GSI2_PARTITION_KEY },
          ExpressionAttributeValues: marshall({ ':pk': webhookKeys.pendingPartition }),
          ScanIndexForward: true,
          Limit: Math.min(1000, limit - out.length),
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        out.push({ ...deliveryFromItem(item), dueAt: (item[GSI2_SORT_KEY]?.S ?? '').split('#')[0] as string });
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey && out.length < limit);
    return out;
  }

  // ------------------------------------------------------------------------------------------------

  private expiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.retentionSeconds;
  }

  /** `limit` items and whether more exist (reads one extra, so the last page has no empty successor). */
  private async queryPage(input: Omit<QueryCommandInput, 'TableName'>, limit: number): Promise<{ items: Array<Record<string, AttributeValue>>; more: boolean }> {
    const wanted = limit + 1;
    const items: Array<Record<string, AttributeValue>> = [];
    let exclusiveStartKey = input.ExclusiveStartKey;
    do {
      const out = await this.client.send(new QueryCommand({ ...input, TableName: this.tableName, Limit: wanted - items.length, ExclusiveStartKey: exclusiveStartKey }));
      items.push(...(out.Items ?? []));
      exclusiveStartKey = out.LastEvaluatedKey;
    } while (exclusiveStartKey && items.length < wanted);
    return items.length > limit ? { items: items.slice(0, limit), more: true } : { items, more: false };
  }
}

/** SET every defined value (and if_not_exists for `setIfMissing`), REMOVE the rest; all names and values placeholdered. */
function buildUpdate(set: Record<string, unknown>, remove: ReadonlyArray<string>, setIfMissing: Record<string, unknown> = {}) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  let n = 0;
  const placeholder = (field: string): string => {
    const name = `#f${n++}`;
    names[name] = field;
    return name;
  };
  const value = (v: unknown): string => {
    const name = `:v${n++}`;
    values[name] = v;
    return name;
  };
  for (const [field, v] of Object.entries(set)) {
    if (v === undefined) removes.push(placeholder(field));
    else sets.push(`${placeholder(field)} = ${value(v)}`);
  }
  for (const [field, v] of Object.entries(setIfMissing)) {
    const name = placeholder(field);
    sets.push(`${name} = if_not_exists(${name}, ${value(v)})`);
  }
  for (const field of new Set(remove)) {
    if (!(field in set) && !(field in setIfMissing)) removes.push(placeholder(field));
  }
  const expression = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
  return { expression, names, values };
}


function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}.`, [{ path: 'limit', message: 'out of range' }]);
  }
}

/** Copies only the model's fields, so storage attributes (pk, gsi1sk…) never reach callers. */
function endpointFromItem(item: Record<string, AttributeValue>): WebhookEndpoint {
  const raw = unmarshall(item) as WebhookEndpoint;
  const endpoint: WebhookEndpoint = {
    id: raw.id,
    url: raw.url,
    events: [...raw.events],
    enabled: raw.enabled,
    secret: raw.secret,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    version: raw.version,
  };
  for (const field of ['description', 'disabledReason', 'disabledAt', 'failingSince', 'previousSecret', 'previousSecretExpiresAt'] as const) {
    if (raw[field] !== undefined) (endpoint as unknown as Record<string, unknown>)[field] = raw[field];
  }
  return endpoint;
}

function deliveryFromItem(item: Record<string, AttributeValue>): Delivery {
  const raw = unmarshall(item) as Delivery;
  const delivery: Delivery = {
    id: raw.id,
    endpointId: raw.endpointId,
    eventId: raw.eventId,
    eventType: raw.eventType,
    streamId: raw.streamId ?? null,
    status: raw.status,
    lastAttempt: raw.lastAttempt,
    createdAt: raw.createdAt,
    updatedAt: raw.updatedAt,
    body: raw.body,
  };
  if (raw.nextAttemptAt !== undefined) delivery.nextAttemptAt = raw.nextAttemptAt;
  if (raw.lastStatusCode !== undefined) delivery.lastStatusCode = raw.lastStatusCode;
  if (raw.lastError !== undefined) delivery.lastError = { code: raw.lastError.code, message: raw.lastError.message };
  return delivery;
}

function attemptFromItem(item: Record<string, AttributeValue>): DeliveryAttempt {
  const raw = unmarshall(item) as DeliveryAttempt;
  const attempt: DeliveryAttempt = {
    deliveryId: raw.deliveryId,
    endpointId: raw.endpointId,
    eventId: raw.eventId,
    eventType: raw.eventType,
    streamId: raw.streamId ?? null,
    attempt: raw.attempt,
    trigger: raw.trigger,
    startedAt: raw.startedAt,
    outcome: raw.outcome,
    latencyMs: raw.latencyMs,
  };
  if (raw.statusCode !== undefined) attempt.statusCode = raw.statusCode;
  if (raw.error !== undefined) attempt.error = { code: raw.error.code, message: raw.error.message };
  if (raw.nextRetryAt !== undefined) attempt.nextRetryAt = raw.nextRetryAt;
  if (raw.deadLettered !== undefined) attempt.deadLettered = raw.deadLettered;
  return attempt;
}

// Cursors are opaque to callers but come back from outside, so they are parsed, never trusted.
const endpointCursor = z.object({ v: z.literal(1), createdAt: z.iso.datetime(), id: z.string().refine((v) => isId('webhook', v)) }).strict();
const attemptCursor = z
  .object({
    v: z.literal(1),
    sk: z.string().regex(/^DLV#dlv_[a-z2-7]{20}#ATT#\d{4}#[0-9TZ:.-]{10,30}#[0-9a-f]{8}$/),
    gsi1sk: z.string().regex(/^[0-9TZ:.-]{10,30}#dlv_[a-z2-7]{20}#\d{4}#[0-9a-f]{8}$/).optional(),
  })
  .strict();



