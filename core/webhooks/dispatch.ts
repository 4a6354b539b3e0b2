/**
 * The dispatcher's delivery policy, around the one-attempt use case in delivery.ts: how many deliveries
 * run at once in this process (a pool), how many go to one endpoint (a gate that notices slow endpoints
 * and then allows only a couple), and what happens to a delivery that may not run now — it is handed
 * back to the retry queue unmade: routed away from the events lane (failing or slow endpoint), out of
 * invocation time, or busy (no endpoint slot within a short wait; retried with a doubling delay).
 * Also runs one queued attempt message: one more hop of a long wait, a dropped attempt for a deleted
 * endpoint, or the delivery itself.
 *
 * One dispatcher per process: its pool and gate are shared by every batch the process runs.
 *
 * Must never: let a slow endpoint hold the events lane, start an attempt that cannot finish in the time
 * left, or swallow a store or queue error (the caller fails the queue record so it comes back).
 */
import { noopMetrics } from '../ports/metrics';
import { silentLogger } from '../ports/logger';
import type { AttemptMessage } from '../ports/retry-scheduler';
import type { Timers } from '../ports/timers';
import type { WebhookSender } from '../ports/webhook-sender';
import { attemptDelivery, attemptMessage, DEFAULT_DELIVERY_CONFIG, type DeliveryConfig, type DeliveryDeps, type DeliveryInput, type DeliveryOutcome } from './delivery';
import { EndpointGate, Semaphore } from './delivery-slots';

export interface DispatchConfig extends DeliveryConfig {
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  /** Deliveries in flight at once to one healthy endpoint in this process. */
  perEndpointConcurrency: number;
  /** … and to one slow endpoint (retry lane only; the events lane routes slow endpoints away). */
  slowEndpointConcurrency: number;
  /** An HTTP request running this long marks its endpoint slow… */
  slowAfterMs: number;
  /** …for this long after it finished. */
  slowMemoryMs: number;
  /** How long a delivery waits for one of its endpoint's slots before it is handed back to the queue. */
  slotWaitMs: number;
  /** First delay of a delivery handed back (busy endpoint); it doubles with every deferral, up to 15 min. */
  deferMs: number;
}

export const DEFAULT_DISPATCH_CONFIG: DispatchConfig = {
  ...DEFAULT_DELIVERY_CONFIG,
  concurrency: 64,
  perEndpointConcurrency: 16,
  slowEndpointConcurrency: 2,
  slowAfterMs: 2_000,
  slowMemoryMs: 60_000,
  slotWaitMs: 2_000,
  deferMs: 5_000,
};

/** The longest a deferral waits (one SQS delay). */
export const MAX_DEFER_MS = 900_000;
/** Time an attempt needs beyond its send timeout (the store writes around the send). */
const ATTEMPT_MARGIN_MS = 5_000;

export interface DispatchDeps extends Omit<DeliveryDeps, 'config'> {
  timers: Timers;
  config?: Partial<DispatchConfig>;
}

/** events: first attempts fanned out from an event; retries: the dispatcher's own attempt messages. */
export type Lane = 'events' | 'retries';

export type HandBackReason = 'unhealthy' | 'time' | 'busy';

export type DispatchOutcome =
  | DeliveryOutcome
  | { result: 'handed_back'; why: HandBackReason; delayMs: number }
  | { result: 'hop_scheduled'; delayMs: number }
  | { result: 'endpoint_deleted' };

export interface DeliveryRequest {
  input: DeliveryInput;
  lane: Lane;
  /** Times this attempt was already handed back busy. */
  deferrals?: number;
  /** Milliseconds the invocation has left, asked when the attempt is about to start. */
  remainingMs: () => number;
}

export interface DeliveryDispatcher {
  /** Delivers now, or hands the attempt back to the retry queue. Throws only for the plane's own failures. */
  deliver(request: DeliveryRequest): Promise<DispatchOutcome>;
  /** Runs one attempt message from the retry queue. Throws only for the plane's own failures. */
  runAttempt(message: AttemptMessage, remainingMs: () => number): Promise<DispatchOutcome>;
}

/** The busy deferral's delay: doubling from `deferMs` with each deferral, capped at one queue delay. */
export function deferralDelay(deferMs: number, deferrals: number): number {
  return Math.min(deferMs * 2 ** Math.min(deferrals, 20), MAX_DEFER_MS);
}

export function createDeliveryDispatcher(deps: DispatchDeps): DeliveryDispatcher {
  const config: DispatchConfig = { ...DEFAULT_DISPATCH_CONFIG, ...deps.config };
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? noopMetrics;
  const deliveryDeps: DeliveryDeps = { ...deps, config, logger, metrics };
  const pool = new Semaphore(config.concurrency, deps.timers);
  const gate = new EndpointGate({
    perEndpoint: config.perEndpointConcurrency,
    whenSlow: config.slowEndpointConcurrency,
    slowAfterMs: config.slowAfterMs,
    slowMemoryMs: config.slowMemoryMs,
    timers: deps.timers,
  });

  /** Hands an attempt to the retry queue unmade. */
  const handBack = async (input: DeliveryInput, delayMs: number, why: HandBackReason, deferrals?: number): Promise<DispatchOutcome> => {
    metrics.count('webhook_delivery_handed_back', 1, { why });
    const message = attemptMessage({
      endpointId: input.endpoint.id,
      eventId: input.eventId,
      eventType: input.eventType,
      streamId: input.streamId,
      body: input.body,
      attempt: input.attempt,
      trigger: input.trigger,
    });
    await deps.scheduler.schedule(deferrals ? { ...message, deferrals } : message, delayMs);
    return { result: 'handed_back', why, delayMs };
  };

  async function deliver({ input, lane, deferrals = 0, remainingMs }: DeliveryRequest): Promise<DispatchOutcome> {
    // The events lane never waits on an endpoint that is failing or slow: its retry lane does.
    if (lane === 'events' && (input.endpoint.failingSince !== undefined || gate.isSlow(input.endpoint.id))) return handBack(input, 0, 'unhealthy');
    // Not enough time left to finish an attempt: hand it back rather than be cut off mid-send.
    if (remainingMs() < config.timeoutMs + ATTEMPT_MARGIN_MS) return handBack(input, 0, 'time', deferrals);
    const slot = await gate.acquire(input.endpoint.id, config.slotWaitMs);
    if (!slot) {
      if (lane === 'events') return handBack(input, 0, 'busy', deferrals);
      return handBack(input, deferralDelay(config.deferMs, deferrals), 'busy', deferrals + 1);
    }
    try {
      const permit = await pool.acquire();
      try {
        // The gate learns how long the receiver itself takes.
        const sender: WebhookSender = {
          send: async (request) => {
            slot.requestStarted();
            const result = await deps.sender.send(request);
            slot.requestFinished(result.latencyMs, result.error?.code === 'timeout');
            return result;
          },
        };
        return await attemptDelivery({ ...deliveryDeps, sender }, input);
      } finally {
        permit?.release();
      }
    } finally {
      slot.release();
    }
  }

  async function runAttempt(message: AttemptMessage, remainingMs: () => number): Promise<DispatchOutcome> {
    if (message.delayRemainingMs !== undefined && message.delayRemainingMs > 0) {
      // One more hop of a long backoff.
      await deps.scheduler.schedule({ ...message, delayRemainingMs: 0 }, message.delayRemainingMs);
      return { result: 'hop_scheduled', delayMs: message.delayRemainingMs };
    }
    const endpoint = await deps.store.getEndpoint(message.endpointId);
    if (!endpoint) {
      logger.info('webhook dispatcher: endpoint deleted; attempt dropped', { endpointId: message.endpointId, deliveryId: message.deliveryId });
      return { result: 'endpoint_deleted' };
    }
    const input: DeliveryInput = {
      endpoint,
      eventId: message.eventId,
      eventType: message.eventType,
      streamId: message.streamId,
      body: message.body,
      attempt: message.attempt,
      trigger: message.trigger,
    };
    return deliver({ input, lane: 'retries', deferrals: message.deferrals ?? 0, remainingMs });
  }

  return { deliver, runAttempt };
}
