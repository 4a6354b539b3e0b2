/**
 * Parks a webhook delivery that exhausted its attempts (the dead-letter queue in the cloud and locally;
 * adapters/sqs-retry-scheduler.ts). Redriving the parked message makes one more attempt.
 *
 * Must never: drop the message: it is the last record of a delivery nobody received.
 */
import type { AttemptMessage } from './retry-scheduler';
import type { DeliveryError } from './webhook-store';

export interface DeadLetterSink {
  /** Parks a delivery that exhausted its attempts; redriving the message makes one more attempt. */
  deadLetter(message: AttemptMessage, error: DeliveryError): Promise<void>;
}
