/**
 * How webhook endpoints, deliveries and attempts are laid out in the plane's single table (attribute
 * names from dynamodb-table.ts), and how items become models again. Every key starts with `WEBHOOK`, so
 * IAM can confine a function to these items with one `dynamodb:LeadingKeys` pattern (`WEBHOOK*`).
 *
 *   endpoint  WEBHOOK#<whId> / ENDPOINT                       gsi1: WEBHOOKS#<nn> / <createdAt>#<whId>   (list)
 *   delivery  WEBHOOK#<whId>#D<nn> / DLV#<dlvId>                  gsi2: WEBHOOK_PENDING#<nn> / <dueAt>#<dlvId>
 *             (one per event and endpoint; claim, status)           only while in flight or retrying
 *   attempt   WEBHOOK#<whId>#D<nn> / DLV#<dlvId>#ATT#<nnnn>#<time>#<r>  gsi1: WEBHOOK#<whId>#ATTEMPTS#<nn> / <time>#<dlvId>#<nnnn>#<r>
 *
 * `<nn>`: index shards (dynamodb-shards.ts) by endpoint id (list) or delivery id (pending, attempts), read
 * merged with the unsharded partitions of items written before sharding.
 *
 * Must never: let storage attributes (pk, gsi1sk…) reach a model, or accept a cursor naming another kind of item.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { z } from 'zod';
import { isId } from '../core/ids';
import type { Delivery, DeliveryAttempt } from '../core/ports/webhook-store';
import type { WebhookEndpoint } from '../core/webhooks/webhooks';
import { GSI1_PARTITION_KEY, GSI1_SORT_KEY, INDEX_SHARDS, PARTITION_KEY, SORT_KEY } from './dynamodb-table';
import { shardedPartition, shardOf, type ShardedPartition } from './dynamodb-shards';
import { copyDefined } from './dynamodb-support';
import type { Item } from './dynamodb-table-client';

export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;
/** Largest page of endpoints or attempts one call returns. */
export const MAX_WEBHOOK_LIST_LIMIT = 100;

/** Endpoints are few and rarely written: four shards. Pending deliveries and attempts follow the event rate. */
const endpointListPartition = shardedPartition('WEBHOOKS', 4);
const pendingPartition = shardedPartition('WEBHOOK_PENDING', INDEX_SHARDS);
const attemptPartitions = new Map<string, ShardedPartition>();

/** Key builders: the only place webhook item keys are spelled. */
export const webhookKeys = {
  endpoint: (id: string) => ({ [PARTITION_KEY]: `WEBHOOK#${id}`, [SORT_KEY]: 'ENDPOINT' }),
  endpointListPartition,
  endpointSort: (createdAt: string, id: string) => `${createdAt}#${id}`,
  endpointIndex: (createdAt: string, id: string) => ({ [GSI1_PARTITION_KEY]: endpointListPartition.key(id), [GSI1_SORT_KEY]: `${createdAt}#${id}` }),
  endpointPartition: (endpointId: string) => `WEBHOOK#${endpointId}`,
  /**
   * Deliveries and attempts of one endpoint take ~3 writes per event: at 10,000 streams one partition would
   * take them all, so they sit in `WEBHOOK#<whId>#D<nn>` by delivery id (still `WEBHOOK*` for IAM).
   */
  deliveryPartition: (endpointId: string, deliveryId: string) => `WEBHOOK#${endpointId}#D${String(shardOf(deliveryId, INDEX_SHARDS)).padStart(2, '0')}`,
  delivery: (endpointId: string, deliveryId: string) => ({ [PARTITION_KEY]: webhookKeys.deliveryPartition(endpointId, deliveryId), [SORT_KEY]: `DLV#${deliveryId}` }),
  /** Where deliveries written before sharding are. */
  legacyDelivery: (endpointId: string, deliveryId: string) => ({ [PARTITION_KEY]: `WEBHOOK#${endpointId}`, [SORT_KEY]: `DLV#${deliveryId}` }),
  pendingPartition,
  pendingSort: (dueAt: string, deliveryId: string) => `${dueAt}#${deliveryId}`,
  attemptPrefix: (deliveryId: string) => `DLV#${deliveryId}#ATT#`,
  attemptSort: (deliveryId: string, attempt: number, startedAt: string, unique: string) => `DLV#${deliveryId}#ATT#${pad(attempt)}#${startedAt}#${unique}`,
  attemptPartition: (endpointId: string): ShardedPartition => {
    let partition = attemptPartitions.get(endpointId);
    if (!partition) {
      partition = shardedPartition(`WEBHOOK#${endpointId}#ATTEMPTS`, INDEX_SHARDS);
      if (attemptPartitions.size > 10_000) attemptPartitions.clear();
      attemptPartitions.set(endpointId, partition);
    }
    return partition;
  },
  attemptIndexSort: (startedAt: string, deliveryId: string, attempt: number, unique: string) => `${startedAt}#${deliveryId}#${pad(attempt)}#${unique}`,
} as const;

function pad(attempt: number): string {
  return String(attempt).padStart(4, '0');
}

const ENDPOINT_OPTIONAL_FIELDS = ['description', 'disabledReason', 'disabledAt', 'failingSince', 'previousSecret', 'previousSecretExpiresAt'] as const;

export function endpointFromItem(item: Item): WebhookEndpoint {
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
  return copyDefined(endpoint, raw, ENDPOINT_OPTIONAL_FIELDS);
}

export function deliveryFromItem(item: Item): Delivery {
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
  copyDefined(delivery, raw, ['nextAttemptAt', 'lastStatusCode']);
  if (raw.lastError !== undefined) delivery.lastError = { code: raw.lastError.code, message: raw.lastError.message };
  return delivery;
}

export function attemptFromItem(item: Item): DeliveryAttempt {
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
  copyDefined(attempt, raw, ['statusCode', 'nextRetryAt', 'deadLettered']);
  if (raw.error !== undefined) attempt.error = { code: raw.error.code, message: raw.error.message };
  return attempt;
}

// Cursors are opaque to callers but come back from outside, so they are parsed, never trusted.
export const endpointCursor = z.object({ v: z.literal(1), createdAt: z.iso.datetime(), id: z.string().refine((v) => isId('webhook', v)) }).strict();
export const attemptCursor = z
  .object({
    v: z.literal(1),
    sk: z.string().regex(/^DLV#dlv_[a-z2-7]{20}#ATT#\d{4}#[0-9TZ:.-]{10,30}#[0-9a-f]{8}$/),
    gsi1sk: z.string().regex(/^[0-9TZ:.-]{10,30}#dlv_[a-z2-7]{20}#\d{4}#[0-9a-f]{8}$/).optional(),
  })
  .strict();
