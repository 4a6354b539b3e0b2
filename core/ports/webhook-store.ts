/**
 * Storage of webhook endpoints, deliveries and the attempt log (DynamoDB in both modes). A delivery is
 * one event to one endpoint; its record is the single point where concurrent workers (duplicated queue
 * messages, retries, manual redeliveries) agree who may send: every state change is a conditional write.
 *
 * Must never: return storage attributes to callers, or expose the secret anywhere but `WebhookEndpoint`.
 */
import type { WebhookEndpoint } from '../webhooks/webhooks';
import type { Page } from './stream-store';

export type DeliveryStatus = 'in_flight' | 'retrying' | 'succeeded' | 'dead_lettered';

export interface DeliveryError {
  /** Stable: timeout, dns, connect, tls, redirect, http_status, address_not_allowed, endpoint_disabled, … */
  code: string;
  message: string;
}

export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  streamId: string | null;
  status: DeliveryStatus;
  /** Number of the last attempt started (1-based). */
  lastAttempt: number;
  nextAttemptAt?: string;
  lastStatusCode?: number;
  lastError?: DeliveryError;
  createdAt: string;
  updatedAt: string;
  /** The event envelope exactly as delivered (the signed body); lets a retry rebuild its message. */
  body: string;
}

export type AttemptOutcome = 'succeeded' | 'failed' | 'duplicate';
export type AttemptTrigger = 'event' | 'retry' | 'manual' | 'recovery';

export interface DeliveryAttempt {
  deliveryId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  streamId: string | null;
  attempt: number;
  trigger: AttemptTrigger;
  startedAt: string;
  /** `duplicate`: a 2xx that lost the race to another copy of the same delivery (not a second success). */
  outcome: AttemptOutcome;
  statusCode?: number;
  latencyMs: number;
  error?: DeliveryError;
  nextRetryAt?: string;
  deadLettered?: boolean;
}

export interface ClaimRequest {
  endpointId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  streamId: string | null;
  body: string;
  attempt: number;
  /** Random per claim: only its holder may record a failure. */
  token: string;
  now: Date;
  leaseUntil: Date;
}

export type CompleteRequest =
  | { endpointId: string; deliveryId: string; token: string; now: Date; outcome: 'succeeded'; statusCode: number }
  | {
      endpointId: string;
      deliveryId: string;
      token: string;
      now: Date;
      outcome: 'retrying' | 'dead_lettered';
      nextAttemptAt?: Date;
      statusCode?: number;
      error?: DeliveryError;
    };

export interface WebhookStore {
  /** DuplicateError if the id exists. */
  createEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(options: { limit: number; cursor?: string }): Promise<Page<WebhookEndpoint>>;
  /** Every endpoint (the plane caps how many exist), for fanning an event out. */
  allEndpoints(): Promise<WebhookEndpoint[]>;
  countEndpoints(): Promise<number>;
  /**
   * Replaces the API-editable fields if the stored version is `expectedVersion` (ConflictError otherwise);
   * stores version + 1. `failingSince` is health, not configuration: kept unless `clearFailing`.
   */
  putEndpoint(next: WebhookEndpoint, options: { expectedVersion: number; clearFailing?: boolean }): Promise<void>;
  /** False when there was nothing to delete. Deliveries and attempts expire by TTL. */
  deleteEndpoint(id: string): Promise<boolean>;

  /** Records a failed attempt's time as the start of the failing run unless one is running; returns its start. */
  markFailing(endpointId: string, now: Date): Promise<string | undefined>;
  clearFailing(endpointId: string): Promise<void>;
  /** Disables an enabled endpoint for failing; true only for the one caller that did it. */
  disableForFailing(endpointId: string, now: Date): Promise<boolean>;

  /**
   * Takes the right to make attempt `attempt` of a delivery: granted when the delivery is new, or not
   * succeeded and either behind this attempt number or held by a claim whose lease ran out. False means
   * another copy owns or already made this attempt: the caller sends nothing.
   */
  claimAttempt(request: ClaimRequest): Promise<boolean>;
  /** Lets the attempt be claimed again at once (the claimant could not finish for reasons not the receiver's). */
  releaseClaim(endpointId: string, deliveryId: string, token: string): Promise<void>;
  /**
   * Success: marks the delivery succeeded unless it already is (true = this was the first success).
   * Retrying / dead-lettered: only while the caller's claim is current.
   */
  completeAttempt(request: CompleteRequest): Promise<boolean>;
  appendAttempt(attempt: DeliveryAttempt): Promise<void>;
  getDelivery(endpointId: string, deliveryId: string): Promise<Delivery | undefined>;
  /** Newest first. With deliveryId, only that delivery's attempts. */
  listAttempts(endpointId: string, options: { limit: number; cursor?: string; deliveryId?: string }): Promise<Page<DeliveryAttempt>>;
  /** Deliveries in flight or waiting for a retry, earliest due first (to re-queue after a local restart). */
  pendingDeliveries(limit: number): Promise<Array<Delivery & { dueAt: string }>>;
}
