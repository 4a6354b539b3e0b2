/**
 * The webhook domain, pure: the endpoint model and its public view, which events an endpoint wants,
 * Standard Webhooks signing (https://www.standardwebhooks.com: `v1,` + base64 HMAC-SHA256 of
 * `id.timestamp.body` under the base64 key of a `whsec_` secret), secret generation, the retry schedule
 * and when an endpoint that keeps failing is disabled.
 *
 * Must never: put a secret into a view, an event, an error message or a log field. Only
 * `toWebhookView(endpoint, secret)` on create and rotate returns one, once.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { EventType } from '../events/catalog';

export const ALL_EVENTS = '*';

export type DisabledReason = 'manual' | 'failing';

export interface WebhookEndpoint {
  id: string;
  url: string;
  description?: string;
  /** Event types delivered, or `['*']` for every type (including types added later). */
  events: ReadonlyArray<EventType | typeof ALL_EVENTS>;
  enabled: boolean;
  disabledReason?: DisabledReason;
  disabledAt?: string;
  /** Start of the current unbroken run of failed attempts; cleared by any success. */
  failingSince?: string;
  /** `whsec_…`; signs every delivery. */
  secret: string;
  /** The secret before the last rotation, still signing (as a second signature) until it expires. */
  previousSecret?: string;
  previousSecretExpiresAt?: string;
  createdAt: string;
  updatedAt: string;
  /** Optimistic concurrency for API edits. */
  version: number;
}

/** What the API returns. Has no secret field at all, so a listing cannot leak one by accident. */
export interface WebhookView {
  id: string;
  url: string;
  description?: string;
  events: string[];
  enabled: boolean;
  disabledReason?: DisabledReason;
  disabledAt?: string;
  failingSince?: string;
  createdAt: string;
  updatedAt: string;
}

export function toWebhookView(endpoint: WebhookEndpoint): WebhookView;
export function toWebhookView(endpoint: WebhookEndpoint, secret: string): WebhookView & { secret: string };
export function toWebhookView(endpoint: WebhookEndpoint, secret?: string): WebhookView & { secret?: string } {
  const view: WebhookView & { secret?: string } = {
    id: endpoint.id,
    url: endpoint.url,
    events: [...endpoint.events],
    enabled: endpoint.enabled,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
  if (endpoint.description !== undefined) view.description = endpoint.description;
  if (endpoint.disabledReason !== undefined) view.disabledReason = endpoint.disabledReason;
  if (endpoint.disabledAt !== undefined) view.disabledAt = endpoint.disabledAt;
  if (endpoint.failingSince !== undefined) view.failingSince = endpoint.failingSince;
  if (secret !== undefined) view.secret = secret;
  return view;
}

/** Whether an endpoint subscribes to this type. Unknown (newer) types reach only `*` subscribers. */
export function wantsEvent(endpoint: Pick<WebhookEndpoint, 'events'>, type: string): boolean {
  return endpoint.events.some((wanted) => wanted === ALL_EVENTS || wanted === type);
}

/** Normalises a requested filter: absent, empty or containing `*` means everything. */
export function normaliseEventFilter(events: ReadonlyArray<EventType | typeof ALL_EVENTS> | undefined): Array<EventType | typeof ALL_EVENTS> {
  if (!events || events.length === 0 || events.includes(ALL_EVENTS)) return [ALL_EVENTS];
  return [...new Set(events)].sort();
}

// ---------------------------------------------------------------------------------------------------
// Secrets and signatures (Standard Webhooks)

export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export class InvalidWebhookSecretError extends Error {
  override readonly name = 'InvalidWebhookSecretError';
  readonly code = 'invalid_webhook_secret';
  constructor() {
    // Deliberately says nothing about the value.
    super('The webhook secret is not a whsec_ base64 secret of 24 to 64 bytes.');
  }
}

export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new InvalidWebhookSecretError();
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new InvalidWebhookSecretError();
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24 || key.length > 64) throw new InvalidWebhookSecretError();
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`; timestamp in whole seconds since the epoch. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  if (!Number.isSafeInteger(timestamp)) throw new RangeError('timestamp must be whole seconds');
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The three Standard Webhooks headers. During a rotation grace period the previous secret signs too
 * (space-separated signatures), so receivers can switch secrets without dropping a delivery.
 */
export function signatureHeaders(endpoint: Pick<WebhookEndpoint, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>, id: string, now: Date, body: string): SignedHeaders {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signatures = [sign(endpoint.secret, id, timestamp, body)];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && Date.parse(endpoint.previousSecretExpiresAt) > now.getTime()) {
    signatures.push(sign(endpoint.previousSecret, id, timestamp, body));
  }
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') };
}

// ---------------------------------------------------------------------------------------------------
// Deliveries, retries and disabling

/**
 * Delay before each attempt: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts
 * over about 27.6 hours, then the delivery is dead-lettered.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: ReadonlyArray<number> = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** An endpoint whose attempts have all failed for this long is disabled (five days). */
export const DEFAULT_DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;

/** A 2xx answer within this time is success. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

export class InvalidRetryScheduleError extends Error {
  override readonly name = 'InvalidRetryScheduleError';
  readonly code = 'invalid_retry_schedule';
}

/** Parses `0,5s,5m,30m,2h,5h,10h,10h` (plain numbers are milliseconds). */
export function parseRetrySchedule(text: string): number[] {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const schedule = text.split(',').map((part) => {
    const match = /^\s*(\d{1,9})(ms|s|m|h|d)?\s*$/.exec(part);
    if (!match) throw new InvalidRetryScheduleError(`"${part.trim()}" is not a delay such as 0, 5s, 30m or 2h.`);
    return Number(match[1]) * units[match[2] ?? 'ms']!;
  });
  validateRetrySchedule(schedule);
  return schedule;
}

export function validateRetrySchedule(schedule: ReadonlyArray<number>): void {
  if (schedule.length < 1 || schedule.length > 20) throw new InvalidRetryScheduleError('A retry schedule has 1 to 20 attempts.');
  if (schedule.some((ms) => !Number.isSafeInteger(ms) || ms < 0 || ms > 7 * 86_400_000)) {
    throw new InvalidRetryScheduleError('Each delay is a whole number of milliseconds from 0 to 7 days.');
  }
}

/**
 * After attempt `attempt` (1-based) failed: how long until the next one, or undefined when the
 * schedule is exhausted and the delivery is dead-lettered. Attempts beyond the schedule (manual
 * retries of a dead-lettered delivery) are single shots.
 */
export function nextAttemptDelay(schedule: ReadonlyArray<number>, attempt: number): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt is 1-based');
  return attempt < schedule.length ? schedule[attempt] : undefined;
}

export function shouldDisable(failingSince: string | undefined, now: Date, disableAfterMs: number = DEFAULT_DISABLE_AFTER_MS): boolean {
  if (failingSince === undefined) return false;
  const since = Date.parse(failingSince);
  return Number.isFinite(since) && now.getTime() - since >= disableAfterMs;
}

/**
 * The delivery id of an (endpoint, event) pair: derived, not random, so every copy of a duplicated
 * queue message lands on the same delivery record and the conditional writes on it decide who sends.
 */
export function deliveryIdFor(endpointId: string, eventId: string): string {
  const digest = createHash('sha256').update(`${endpointId}:${eventId}`, 'utf8').digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let body = '';
  for (let i = 0; i < 20; i++) body += alphabet[(digest[i] as number) & 31];
  return `dlv_${body}`;
}
