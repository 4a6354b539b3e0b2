/**
 * An in-memory WebhookStore for unit tests, honouring the port's contract like the DynamoDB store
 * (test/support/contracts/webhook-store.contract.ts checks both): versioned endpoint writes, health kept
 * out of edits, the claim protocol (one claimant per attempt, lapsed leases taken over, one recorded
 * success), the attempt log newest first, and opaque cursors that cannot be pointed elsewhere.
 * `endpoints`, `deliveries` (by delivery id) and `attempts` are open for tests to arrange and inspect.
 */
import { z } from 'zod';
import { checkLimit, decodeCursor, encodeCursor, invalidCursor } from '../../adapters/dynamodb-support';
import { endpointCursor, MAX_WEBHOOK_LIST_LIMIT } from '../../adapters/dynamodb-webhook-items';
import { ConflictError, DuplicateError } from '../../core/errors';
import type { Page } from '../../core/ports/stream-store';
import type { ClaimRequest, CompleteRequest, Delivery, DeliveryAttempt, WebhookStore } from '../../core/ports/webhook-store';
import type { WebhookEndpoint } from '../../core/webhooks/webhooks';

const MAX_PENDING_READ = 10_000;

/** What the DynamoDB item holds beside the Delivery model: the current claim and when it is due again. */
interface ClaimState {
  token?: string;
  leaseUntil?: number;
  /** Absent once the delivery is no longer pending (succeeded, dead-lettered, or retrying with no time). */
  dueAt?: string;
}

export class MemoryWebhookStore implements WebhookStore {
  readonly endpoints = new Map<string, WebhookEndpoint>();
  readonly deliveries = new Map<string, Delivery>();
  readonly attempts: DeliveryAttempt[] = [];
  private readonly claimStates = new Map<string, ClaimState>();

  async createEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    if (this.endpoints.has(endpoint.id)) throw new DuplicateError(`A webhook with id ${endpoint.id} already exists.`);
    this.endpoints.set(endpoint.id, structuredClone(endpoint));
  }
  async getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const found = this.endpoints.get(id);
    return found ? structuredClone(found) : undefined;
  }
  async listEndpoints(options: { limit: number; cursor?: string }): Promise<Page<WebhookEndpoint>> {
    checkLimit(options.limit, MAX_WEBHOOK_LIST_LIMIT);
    const position = (e: Pick<WebhookEndpoint, 'createdAt' | 'id'>) => `${e.createdAt}#${e.id}`;
    const all = [...this.endpoints.values()].sort((a, b) => compare(position(b), position(a)));
    let start = 0;
    if (options.cursor !== undefined) {
      const after = position(decodeCursor(options.cursor, endpointCursor));
      start = all.findIndex((e) => position(e) < after);
      if (start < 0) start = all.length;
    }
    const items = all.slice(start, start + options.limit).map((e) => structuredClone(e));
    const last = items.at(-1);
    return start + options.limit < all.length && last ? { items, next: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : { items };
  }
  async allEndpoints(): Promise<WebhookEndpoint[]> {
    return [...this.endpoints.values()].map((e) => structuredClone(e));
  }
  async countEndpoints(): Promise<number> {
    return this.endpoints.size;
  }
  async putEndpoint(next: WebhookEndpoint, options: { expectedVersion: number; clearFailing?: boolean }): Promise<void> {
    const current = this.endpoints.get(next.id);
    if (!current || current.version !== options.expectedVersion) throw new ConflictError(`Webhook ${next.id} changed since it was read.`);
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
    Object.assign(e, { enabled: false, disabledReason: 'failing', disabledAt: now.toISOString(), updatedAt: now.toISOString(), version: e.version + 1 });
    return true;
  }

  async claimAttempt(request: ClaimRequest): Promise<boolean> {
    const current = this.deliveries.get(request.deliveryId);
    const claim = this.claimStates.get(request.deliveryId) ?? {};
    const granted =
      !current ||
      (current.status !== 'succeeded' &&
        (current.lastAttempt < request.attempt ||
          (current.status === 'in_flight' && (claim.leaseUntil ?? 0) < request.now.getTime() && current.lastAttempt === request.attempt)));
    if (!granted) return false;
    const now = request.now.toISOString();
    const { nextAttemptAt: _dropped, ...kept } = current ?? ({} as Partial<Delivery>);
    this.deliveries.set(request.deliveryId, {
      ...kept,
      id: request.deliveryId,
      endpointId: request.endpointId,
      eventId: request.eventId,
      eventType: request.eventType,
      streamId: request.streamId,
      status: 'in_flight',
      lastAttempt: request.attempt,
      updatedAt: now,
      createdAt: current?.createdAt ?? now,
      body: current?.body ?? request.body,
    });
    this.claimStates.set(request.deliveryId, { token: request.token, leaseUntil: request.leaseUntil.getTime(), dueAt: request.leaseUntil.toISOString() });
    return true;
  }
  async releaseClaim(_endpointId: string, deliveryId: string, token: string): Promise<void> {
    const claim = this.claimStates.get(deliveryId);
    if (claim?.token === token) claim.leaseUntil = 0;
  }
  async completeAttempt(request: CompleteRequest): Promise<boolean> {
    const current = this.deliveries.get(request.deliveryId);
    const claim = this.claimStates.get(request.deliveryId) ?? {};
    if (!current) return false;
    const next: Delivery = { ...current, updatedAt: request.now.toISOString() };
    if (request.outcome === 'succeeded') {
      if (current.status === 'succeeded') return false;
      Object.assign(next, { status: 'succeeded', lastStatusCode: request.statusCode });
      delete next.nextAttemptAt;
      delete next.lastError;
      this.claimStates.set(request.deliveryId, {});
    } else {
      if (claim.token !== request.token) return false;
      next.status = request.outcome;
      if (request.error) next.lastError = structuredClone(request.error);
      if (request.statusCode !== undefined) next.lastStatusCode = request.statusCode;
      else delete next.lastStatusCode;
      const retryAt = request.outcome === 'retrying' ? request.nextAttemptAt?.toISOString() : undefined;
      if (retryAt) next.nextAttemptAt = retryAt;
      else delete next.nextAttemptAt;
      // A retry keeps its place in the pending index only with a time to retry at.
      this.claimStates.set(request.deliveryId, retryAt ? { dueAt: retryAt } : {});
    }
    this.deliveries.set(request.deliveryId, next);
    return true;
  }
  async appendAttempt(attempt: DeliveryAttempt): Promise<void> {
    this.attempts.push(structuredClone(attempt));
  }
  async getDelivery(endpointId: string, deliveryId: string): Promise<Delivery | undefined> {
    const d = this.deliveries.get(deliveryId);
    return d && d.endpointId === endpointId ? structuredClone(d) : undefined;
  }
  async listAttempts(endpointId: string, options: { limit: number; cursor?: string; deliveryId?: string }): Promise<Page<DeliveryAttempt>> {
    checkLimit(options.limit, MAX_WEBHOOK_LIST_LIMIT);
    const scope = `${endpointId}#${options.deliveryId ?? '*'}`;
    // Per delivery: by attempt number; per endpoint: by start time (the two orders the DynamoDB store keeps).
    const position = (a: DeliveryAttempt, i: number) =>
      options.deliveryId === undefined ? `${a.startedAt}#${a.deliveryId}#${pad(a.attempt)}#${pad(i)}` : `${pad(a.attempt)}#${a.startedAt}#${pad(i)}`;
    const all = this.attempts
      .map((a, i) => ({ a, key: position(a, i) }))
      .filter(({ a }) => a.endpointId === endpointId && (options.deliveryId === undefined || a.deliveryId === options.deliveryId))
      .sort((x, y) => compare(y.key, x.key));
    let start = 0;
    if (options.cursor !== undefined) {
      const cursor = decodeCursor(options.cursor, attemptCursor);
      if (cursor.scope !== scope) throw invalidCursor();
      start = all.findIndex(({ key }) => key < cursor.after);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + options.limit);
    const last = page.at(-1);
    const items = page.map(({ a }) => structuredClone(a));
    return start + options.limit < all.length && last ? { items, next: encodeCursor({ scope, after: last.key }) } : { items };
  }
  async pendingDeliveries(limit: number): Promise<Array<Delivery & { dueAt: string }>> {
    checkLimit(limit, MAX_PENDING_READ);
    const pending: Array<Delivery & { dueAt: string }> = [];
    for (const [id, delivery] of this.deliveries) {
      const dueAt = this.claimStates.get(id)?.dueAt;
      if (dueAt !== undefined) pending.push({ ...structuredClone(delivery), dueAt });
    }
    return pending.sort((a, b) => compare(`${a.dueAt}#${a.id}`, `${b.dueAt}#${b.id}`)).slice(0, limit);
  }
}

const attemptCursor = z.object({ v: z.literal(1), scope: z.string().max(200), after: z.string().max(200) }).strict();

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
