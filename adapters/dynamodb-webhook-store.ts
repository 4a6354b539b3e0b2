/**
 * Webhook endpoints, deliveries and the attempt log on DynamoDB (`WebhookStore`), in the plane's single
 * table: one port, three parts with one purpose each — endpoints (dynamodb-webhook-endpoints.ts), the
 * delivery claim protocol (dynamodb-webhook-deliveries.ts) and the attempt log
 * (dynamodb-webhook-attempts.ts); the item layout is in dynamodb-webhook-items.ts.
 *
 * Must never: return storage attributes, or let a cursor from outside name another endpoint's items.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Page } from '../core/ports/stream-store';
import type { ClaimRequest, CompleteRequest, Delivery, DeliveryAttempt, WebhookStore } from '../core/ports/webhook-store';
import type { WebhookEndpoint } from '../core/webhooks/webhooks';
import { TableClient } from './dynamodb-table-client';
import { DynamoDbWebhookAttempts } from './dynamodb-webhook-attempts';
import { DynamoDbWebhookDeliveries } from './dynamodb-webhook-deliveries';
import { DynamoDbWebhookEndpoints } from './dynamodb-webhook-endpoints';

export { DELIVERY_RETENTION_SECONDS, webhookKeys } from './dynamodb-webhook-items';

export interface DynamoDbWebhookStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
  /** How long deliveries and attempts are kept after their last write (TTL); endpoints never expire. */
  retentionSeconds?: number;
}

export class DynamoDbWebhookStore implements WebhookStore {
  private readonly endpoints: DynamoDbWebhookEndpoints;
  private readonly deliveries: DynamoDbWebhookDeliveries;
  private readonly attempts: DynamoDbWebhookAttempts;

  constructor(options: DynamoDbWebhookStoreOptions) {
    const table = new TableClient(options);
    this.endpoints = new DynamoDbWebhookEndpoints(table);
    this.deliveries = new DynamoDbWebhookDeliveries(table, options.retentionSeconds);
    this.attempts = new DynamoDbWebhookAttempts(table, options.retentionSeconds);
  }

  createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    return this.endpoints.createEndpoint(endpoint);
  }
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    return this.endpoints.getEndpoint(id);
  }
  listEndpoints(options: { limit: number; cursor?: string }): Promise<Page<WebhookEndpoint>> {
    return this.endpoints.listEndpoints(options);
  }
  allEndpoints(): Promise<WebhookEndpoint[]> {
    return this.endpoints.allEndpoints();
  }
  countEndpoints(): Promise<number> {
    return this.endpoints.countEndpoints();
  }
  putEndpoint(next: WebhookEndpoint, options: { expectedVersion: number; clearFailing?: boolean }): Promise<void> {
    return this.endpoints.putEndpoint(next, options);
  }
  deleteEndpoint(id: string): Promise<boolean> {
    return this.endpoints.deleteEndpoint(id);
  }
  markFailing(endpointId: string, now: Date): Promise<string | undefined> {
    return this.endpoints.markFailing(endpointId, now);
  }
  clearFailing(endpointId: string): Promise<void> {
    return this.endpoints.clearFailing(endpointId);
  }
  disableForFailing(endpointId: string, now: Date): Promise<boolean> {
    return this.endpoints.disableForFailing(endpointId, now);
  }

  claimAttempt(request: ClaimRequest): Promise<boolean> {
    return this.deliveries.claimAttempt(request);
  }
  releaseClaim(endpointId: string, deliveryId: string, token: string): Promise<void> {
    return this.deliveries.releaseClaim(endpointId, deliveryId, token);
  }
  completeAttempt(request: CompleteRequest): Promise<boolean> {
    return this.deliveries.completeAttempt(request);
  }
  getDelivery(endpointId: string, deliveryId: string): Promise<Delivery | undefined> {
    return this.deliveries.getDelivery(endpointId, deliveryId);
  }
  pendingDeliveries(limit: number): Promise<Array<Delivery & { dueAt: string }>> {
    return this.deliveries.pendingDeliveries(limit);
  }

  appendAttempt(attempt: DeliveryAttempt): Promise<void> {
    return this.attempts.appendAttempt(attempt);
  }
  listAttempts(endpointId: string, options: { limit: number; cursor?: string; deliveryId?: string }): Promise<Page<DeliveryAttempt>> {
    return this.attempts.listAttempts(endpointId, options);
  }
}
