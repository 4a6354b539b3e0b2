/**
 * Makes a webhook attempt arrive at the dispatcher later: the retry queue (SQS in the cloud, the local
 * queue on one machine; adapters/sqs-retry-scheduler.ts). `AttemptMessage` is what that queue carries,
 * for retries, redeliveries through the API and dead-letter redrives alike.
 *
 * Must never: resolve before the message is durable.
 */
import type { AttemptTrigger } from './webhook-store';

/** One attempt of one delivery, as queued. Carries the signed body so every attempt sends the same bytes. */
export interface AttemptMessage {
  kind: 'webhook.attempt';
  endpointId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  streamId: string | null;
  attempt: number;
  trigger: AttemptTrigger;
  body: string;
  /** Delay still to wait: queues cap one delay (SQS: 15 min), so long backoffs are chains of hops. */
  delayRemainingMs?: number;
  /** Times this attempt was handed back unmade because its endpoint was busy (each wait grows). */
  deferrals?: number;
}

export interface RetryScheduler {
  /** Makes `message` arrive at the dispatcher after `delayMs`. Durable once it resolves. */
  schedule(message: AttemptMessage, delayMs: number): Promise<void>;
}
