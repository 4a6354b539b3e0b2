/**
 * Delivering one event to one webhook endpoint, once per attempt: claim the attempt on the delivery
 * record (a conditional write, so duplicated queue messages and concurrent workers send at most once
 * per attempt and record at most one success), sign, send through the injected sender, log the
 * attempt, then schedule the next attempt, dead-letter, or mark success. Also tracks the endpoint's
 * failing run and disables it (with a `webhook.disabled` event) when it has failed for too long.
 *
 * Order of writes matters because there are no transactions: on failure the attempt is logged and the
 * next attempt scheduled *before* the delivery record moves on, so a crash in between repeats an
 * attempt (at-least-once) instead of losing the delivery.
 *
 * Must never: throw for anything the receiver did (that is a failed attempt), log a URL (it may carry
 * a token) or a secret, or send without holding the claim.
 */
import { randomUUID } from 'node:crypto';
import type { EmitEvent } from '../events/emit-event';
import type { Clock } from '../ports/clock';
import { silentLogger, type Logger } from '../ports/logger';
import { noopMetrics, type Metrics } from '../ports/metrics';
import type { DeadLetterSink } from '../ports/dead-letter-sink';
import type { AttemptMessage, RetryScheduler } from '../ports/retry-scheduler';
import type { SendResult, WebhookSender } from '../ports/webhook-sender';
import type { AttemptTrigger, DeliveryError, WebhookStore } from '../ports/webhook-store';
import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DEFAULT_DISABLE_AFTER_MS,
  DEFAULT_RETRY_SCHEDULE_MS,
  deliveryIdFor,
  nextAttemptDelay,
  shouldDisable,
  signatureHeaders,
  wantsEvent,
  type WebhookEndpoint,
} from './webhooks';

export interface DeliveryConfig {
  retryScheduleMs: ReadonlyArray<number>;
  disableAfterMs: number;
  timeoutMs: number;
  /** How long past the send timeout a claim stays exclusive (covers the writes around the send). */
  leaseMarginMs: number;
}

export const DEFAULT_DELIVERY_CONFIG: DeliveryConfig = {
  retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
  disableAfterMs: DEFAULT_DISABLE_AFTER_MS,
  timeoutMs: DEFAULT_DELIVERY_TIMEOUT_MS,
  leaseMarginMs: 20_000,
};

export interface DeliveryDeps {
  store: WebhookStore;
  sender: WebhookSender;
  scheduler: RetryScheduler;
  deadLetters: DeadLetterSink;
  /** Emits `webhook.disabled`. */
  emit: EmitEvent;
  clock: Clock;
  config?: Partial<DeliveryConfig>;
  logger?: Logger;
  metrics?: Metrics;
}

export interface DeliveryInput {
  endpoint: WebhookEndpoint;
  eventId: string;
  eventType: string;
  streamId: string | null;
  body: string;
  attempt: number;
  trigger: AttemptTrigger;
}

export type DeliveryOutcome =
  | { result: 'succeeded'; deliveryId: string; attempt: number; statusCode: number }
  | { result: 'duplicate'; deliveryId: string; attempt: number }
  | { result: 'retry_scheduled'; deliveryId: string; attempt: number; nextAttemptAt: Date }
  | { result: 'dead_lettered'; deliveryId: string; attempt: number; error: DeliveryError }
  | { result: 'skipped'; deliveryId: string; attempt: number };

export const USER_AGENT = 'Streamplane-Webhooks/1';
const MAX_ERROR_MESSAGE = 300;

/** Endpoints an event goes to: enabled and subscribed to its type. */
export function endpointsFor(endpoints: ReadonlyArray<WebhookEndpoint>, eventType: string): WebhookEndpoint[] {
  return endpoints.filter((endpoint) => endpoint.enabled && wantsEvent(endpoint, eventType));
}

export function attemptMessage(input: Omit<AttemptMessage, 'kind' | 'deliveryId'>): AttemptMessage {
  return { ...input, kind: 'webhook.attempt', deliveryId: deliveryIdFor(input.endpointId, input.eventId) };
}

/** Makes attempt `input.attempt` of delivering an event to an endpoint, and everything that follows from it. */
export async function attemptDelivery(deps: DeliveryDeps, input: DeliveryInput): Promise<DeliveryOutcome> {
  const config = { ...DEFAULT_DELIVERY_CONFIG, ...deps.config };
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noopMetrics;
  const { endpoint, attempt } = input;
  const deliveryId = deliveryIdFor(endpoint.id, input.eventId);
  const ids = { endpointId: endpoint.id, deliveryId, eventId: input.eventId, attempt };
  const token = randomUUID();
  const claimedAt = deps.clock.now();

  const claimed = await deps.store.claimAttempt({
    endpointId: endpoint.id,
    deliveryId,
    eventId: input.eventId,
    eventType: input.eventType,
    streamId: input.streamId,
    body: input.body,
    attempt,
    token,
    now: claimedAt,
    leaseUntil: new Date(claimedAt.getTime() + config.timeoutMs + config.leaseMarginMs),
  });
  if (!claimed) {
    metrics.count('webhook_delivery_skipped');
    logger.debug('webhook: attempt already claimed or done elsewhere', ids);
    return { result: 'skipped', deliveryId, attempt };
  }

  const next = (nextAttempt: number, trigger: AttemptTrigger): AttemptMessage =>
    attemptMessage({ endpointId: endpoint.id, eventId: input.eventId, eventType: input.eventType, streamId: input.streamId, body: input.body, attempt: nextAttempt, trigger });
  const logBase = { deliveryId, endpointId: endpoint.id, eventId: input.eventId, eventType: input.eventType, streamId: input.streamId, attempt, trigger: input.trigger };

  // A retry for an endpoint disabled since it was scheduled: park it, so re-enabling plus a redrive (or
  // a manual retry) still delivers it.
  if (!endpoint.enabled) {
    const error: DeliveryError = { code: 'endpoint_disabled', message: 'The endpoint is disabled; the delivery was dead-lettered without an attempt.' };
    await deps.store.appendAttempt({ ...logBase, startedAt: claimedAt.toISOString(), outcome: 'failed', latencyMs: 0, error, deadLettered: true });
    await parkOrRelease(deps, endpoint.id, deliveryId, token, () => deps.deadLetters.deadLetter(next(attempt + 1, 'manual'), error));
    await deps.store.completeAttempt({ endpointId: endpoint.id, deliveryId, token, now: deps.clock.now(), outcome: 'dead_lettered', error });
    metrics.count('webhook_delivery_dead_lettered');
    return { result: 'dead_lettered', deliveryId, attempt, error };
  }

  const startedAt = deps.clock.now();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...signatureHeaders(endpoint, input.eventId, startedAt, input.body),
  };
  let result: SendResult;
  try {
    result = await deps.sender.send({ url: endpoint.url, headers, body: input.body, timeoutMs: config.timeoutMs });
  } catch (err) {
    // The sender's contract is to never throw; if it does anyway, it is this attempt's failure.
    result = { ok: false, latencyMs: deps.clock.now().getTime() - startedAt.getTime(), error: { code: 'internal', message: 'The request could not be made.' } };
    logger.error('webhook: sender threw', { ...ids, error: err instanceof Error ? err.name : 'unknown' });
  }
  metrics.timing('webhook_attempt_latency', result.latencyMs);
  const statusCode = result.statusCode;
  const error = result.error ? { code: result.error.code, message: result.error.message.slice(0, MAX_ERROR_MESSAGE) } : undefined;

  if (result.ok && statusCode !== undefined) {
    const first = await deps.store.completeAttempt({ endpointId: endpoint.id, deliveryId, token, now: deps.clock.now(), outcome: 'succeeded', statusCode });
    await deps.store.appendAttempt({ ...logBase, startedAt: startedAt.toISOString(), outcome: first ? 'succeeded' : 'duplicate', statusCode, latencyMs: result.latencyMs });
    if (endpoint.failingSince !== undefined) await deps.store.clearFailing(endpoint.id);
    metrics.count(first ? 'webhook_delivery_succeeded' : 'webhook_delivery_duplicate');
    return first ? { result: 'succeeded', deliveryId, attempt, statusCode } : { result: 'duplicate', deliveryId, attempt };
  }

  const failure: DeliveryError = error ?? { code: 'http_status', message: `The endpoint answered ${statusCode ?? 'nothing'}.` };
  const now = deps.clock.now();
  const disabled = await trackFailing(deps, endpoint, now, config.disableAfterMs, logger);
  const delay = disabled ? undefined : nextAttemptDelay(config.retryScheduleMs, attempt);
  const attemptLog = { ...logBase, startedAt: startedAt.toISOString(), outcome: 'failed' as const, latencyMs: result.latencyMs, error: failure, ...(statusCode !== undefined ? { statusCode } : {}) };

  if (delay !== undefined) {
    const nextAttemptAt = new Date(now.getTime() + delay);
    await deps.store.appendAttempt({ ...attemptLog, nextRetryAt: nextAttemptAt.toISOString() });
    await parkOrRelease(deps, endpoint.id, deliveryId, token, () => deps.scheduler.schedule(next(attempt + 1, 'retry'), delay));
    await deps.store.completeAttempt({ endpointId: endpoint.id, deliveryId, token, now, outcome: 'retrying', nextAttemptAt, error: failure, ...(statusCode !== undefined ? { statusCode } : {}) });
    metrics.count('webhook_delivery_retry_scheduled');
    logger.info('webhook: attempt failed, retry scheduled', { ...ids, statusCode, errorCode: failure.code, delayMs: delay });
    return { result: 'retry_scheduled', deliveryId, attempt, nextAttemptAt };
  }

  const reason: DeliveryError = disabled ? { code: 'endpoint_disabled', message: `Endpoint disabled after failing for too long; last error: ${failure.message}`.slice(0, MAX_ERROR_MESSAGE) } : failure;
  await deps.store.appendAttempt({ ...attemptLog, deadLettered: true });
  await parkOrRelease(deps, endpoint.id, deliveryId, token, () => deps.deadLetters.deadLetter(next(attempt + 1, 'manual'), reason));
  await deps.store.completeAttempt({ endpointId: endpoint.id, deliveryId, token, now, outcome: 'dead_lettered', error: reason, ...(statusCode !== undefined ? { statusCode } : {}) });
  metrics.count('webhook_delivery_dead_lettered');
  logger.warn('webhook: delivery dead-lettered', { ...ids, statusCode, errorCode: reason.code });
  return { result: 'dead_lettered', deliveryId, attempt, error: reason };
}

/** Hands the delivery on; if that fails, frees the claim so the redelivered queue message can retry at once. */
async function parkOrRelease(deps: DeliveryDeps, endpointId: string, deliveryId: string, token: string, handOn: () => Promise<void>): Promise<void> {
  try {
    await handOn();
  } catch (err) {
    await deps.store.releaseClaim(endpointId, deliveryId, token).catch(() => undefined);
    throw err;
  }
}

/** Extends the endpoint's failing run; disables it once the run is too long. True when it is now disabled. */
async function trackFailing(deps: DeliveryDeps, endpoint: WebhookEndpoint, now: Date, disableAfterMs: number, logger: Logger): Promise<boolean> {
  const failingSince = await deps.store.markFailing(endpoint.id, now);
  if (!shouldDisable(failingSince, now, disableAfterMs) || failingSince === undefined) return false;
  if (await deps.store.disableForFailing(endpoint.id, now)) {
    logger.warn('webhook: endpoint disabled after failing for too long', { endpointId: endpoint.id, failingSince });
    try {
      await deps.emit({ type: 'webhook.disabled', streamId: null, data: { webhookId: endpoint.id, reason: 'failing', failingSince } });
    } catch (err) {
      // The endpoint is disabled either way; failing the delivery here would not bring the event back.
      logger.error('webhook: could not emit webhook.disabled', { endpointId: endpoint.id, error: err instanceof Error ? err.name : 'unknown' });
    }
  }
  return true;
}
