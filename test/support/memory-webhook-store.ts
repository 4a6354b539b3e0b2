/**
 * An in-memory WebhookStore for unit tests of the API: endpoints with versioned writes, deliveries and
 * attempts only as far as the API reads them. The claim protocol lives in the DynamoDB adapter and is
 * tested there (integration), not re-implemented here.
 */
import { ConflictError, DuplicateError } from '../../core/errors';
import type { Page } from '../../core/ports/stream-store';
import type { ClaimRequest, CompleteRequest, Delivery, DeliveryAttempt, WebhookStore } from '../../core/ports/webhook-store';
import type { WebhookEndpoint } from '../../core/webhooks/webhooks';

export class MemoryWebhookStore implements WebhookStore {
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly deliveries = new Map<string, Delivery>();
  readonly attempts: DeliveryAttempt[] = [];

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    if (this.endpoints.has(endpoint.id)) throw new DuplicateError('exists');
    this.endpoints.set(endpoint.id, structuredClone(endpoint));
  }
  async getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const found = this.endpoints.get(id);
    return found ? structuredClone(found) : undefined;
  }
  async listEndpoints(options: { limit: number; cursor?: string }): Promise<Page<WebhookEndpoint>> {
    const all = [...this.endpoints.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    const start = options.cursor ? all.findIndex((e) => e.id === options.cursor) + 1 : 0;
    const items = all.slice(start, start + options.limit).map((e) => structuredClone(e));
    const last = items.at(-1);
    return start + options.limit < all.length && last ? { items, next: last.id } : { items };
  }
  async allEndpoints(): Promise<WebhookEndpoint[]> {
    return [...this.endpoints.values()].map((e) => structuredClone(e));
  }
  async countEndpoints(): Promise<number> {
    return this.endpoints.size;
  }
  async putEndpoint(next: WebhookEndpoint, options: { expectedVersion: number; clearFailing?: boolean }): Promise<void> {
    const current = this.endpoints.get(next.id);
    if (!current || current.version !== options.expectedVersion) throw new ConflictError('changed');
    const stored: WebhookEndpoint = { ...structuredClone(next), version: options.expectedVersion + 1 };
    if (options.clearFailing) delete stored.failingSince;
    else if (current.failingSince !== undefined) stored.failingSince = current.failingSince;
    else delete stored.failingSince;
    this.endpoints.set(next.id, stored);
  }
  async deleteEndpoint(id: string): Promise<boolean> {
    return this.endpoints.delete(id);
  }
  async markFailing(endpointId: string, now: Date): Promise<string | undefined> {
    const e = this.endpoints.get(endpointId);
    if (!e) return undefined;
    e.failingSince ??= now.toISOString();
    return e.failingSince;
  }
  async clearFailing(endpointId: string): Promise<void> {
    const e = this.endpoints.get(endpointId);
    if (e) delete e.failingSince;
  }
  async disableForFailing(endpointId: string, now: Date): Promise<boolean> {
    const e = this.endpoints.get(endpointId);
    if (!e || !e.enabled) return false;
    Object.assign(e, { enabled: false, disabledReason: 'failing', disabledAt: now.toISOString(), version: e.version + 1 });
    return true;
  }
  async claimAttempt(_request: ClaimRequest): Promise<boolean> {
    throw new Error('not used by the API');
  }
  async releaseClaim(_endpointId: string, _deliveryId: string, _token: string): Promise<void> {
    throw new Error('not used by the API');
  }
  async completeAttempt(_request: CompleteRequest): Promise<boolean> {
    throw new Error('not used by the API');
  }
  async appendAttempt(attempt: DeliveryAttempt): Promise<void> {
    this.attempts.push(attempt);
  }
  async getDelivery(endpointId: string, deliveryId: string): Promise<Delivery | undefined> {
    const d = this.deliveries.get(deliveryId);
    return d && d.endpointId === endpointId ? structuredClone(d) : undefined;
  }
  async listAttempts(endpointId: string, options: { limit: number; deliveryId?: string }): Promise<Page<DeliveryAttempt>> {
    return { items: this.attempts.filter((a) => a.endpointId === endpointId && (!options.deliveryId || a.deliveryId === options.deliveryId)).slice(0, options.limit) };
  }
  async pendingDeliveries(): Promise<Array<Delivery & { dueAt: string }>> {
    return [];
  }
}
