/**
 * Webhook retries and dead letters on a queue (SQS in the cloud, the local queue locally).
 *
 * Why a chain of delayed messages: SQS delays a message by at most 15 minutes, and the schedule waits
 * up to 10 hours. A retry is sent with the longest delay SQS allows and carries the rest of its wait in
 * `delayRemainingMs`; the dispatcher re-sends it until nothing remains, then attempts (a 10 h wait is
 * 40 hops). Delays are relative, so no clock comparison can spin a chain, and the messages stay in
 * the durable queue the whole time — no sweeper, no "due" index to scan. (A DynamoDB due-index swept by
 * a schedule was the alternative: one more moving part and a polling cost for the same guarantee.)
 *
 * Must never: send a message the queue would refuse (delay over the cap), or drop a retry silently —
 * a failed send throws, so the delivery keeps its claim released and the source message is retried.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterSink } from '../core/ports/dead-letter-sink';
import type { AttemptMessage, RetryScheduler } from '../core/ports/retry-scheduler';
import type { DeliveryError } from '../core/ports/webhook-store';

export const MAX_QUEUE_DELAY_MS = 900_000;

/** The one call both queue kinds share. */
export interface QueueSender {
  sendMessage(body: string, delaySeconds: number): Promise<void>;
}

export function sqsQueueSender(queueUrl: string, client: SQSClient = new SQSClient({})): QueueSender {
  return {
    async sendMessage(body, delaySeconds) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, DelaySeconds: delaySeconds }));
    },
  };
}

/** A message as it sits in the dead-letter queue: the next attempt, plus why it was parked. */
export type DeadLetterMessage = AttemptMessage & { deadLetter: DeliveryError & { at: string } };

export class QueueRetryScheduler implements RetryScheduler {
  constructor(
    private readonly queue: QueueSender,
    private readonly maxDelayMs: number = MAX_QUEUE_DELAY_MS,
  ) {}

  async schedule(message: AttemptMessage, delayMs: number): Promise<void> {
    const wait = Math.max(0, Math.round(delayMs));
    const hop = Math.min(wait, this.maxDelayMs);
    const rest = wait - hop;
    const { delayRemainingMs: _previous, ...base } = message;
    const next: AttemptMessage = rest > 0 ? { ...base, delayRemainingMs: rest } : base;
    // Whole seconds, rounded up: a retry is never early.
    await this.queue.sendMessage(JSON.stringify(next), Math.min(Math.ceil(hop / 1000), this.maxDelayMs / 1000));
  }
}

export class QueueDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly queue: QueueSender,
    private readonly clock: { now(): Date } = { now: () => new Date() },
  ) {}

  async deadLetter(message: AttemptMessage, error: DeliveryError): Promise<void> {
    const { delayRemainingMs: _ignored, ...base } = message;
    const parked: DeadLetterMessage = { ...base, deadLetter: { code: error.code, message: error.message, at: this.clock.now().toISOString() } };
    await this.queue.sendMessage(JSON.stringify(parked), 0);
  }
}
