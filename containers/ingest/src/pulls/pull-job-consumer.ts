/**
 * Takes pull jobs from the SQS queue in the cloud, only as many as the runner has free slots, and holds
 * each message for as long as its pull runs on this task: the visibility is extended on a timer, the
 * message is deleted when the pull is over (stopped or failed), and handed back at once when the task
 * shuts down. A task that dies stops extending, so the job becomes visible again and another task takes
 * it; meanwhile the failover path (stale heartbeat) interrupts the stream, and the new task's pull
 * continues the session inside the reconnect window (`stream.recovered`).
 *
 * Must never: receive more jobs than free slots, or delete a job whose pull still runs.
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { Logger } from '../../../../core/ports/logger';
import type { PullRunner } from './pull-runner';

const jobBody = z.object({ streamId: z.string().min(1).max(64), requestedAt: z.string().max(64) });

export interface PullJobConsumerOptions {
  client: SQSClient;
  queueUrl: string;
  runner: PullRunner;
  logger: Logger;
  /** The queue's visibility timeout; the hold is renewed at a third of it. */
  visibilitySeconds: number;
  waitSeconds?: number;
}

export class PullJobConsumer {
  private readonly held = new Map<string, string>();
  private running = false;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PullJobConsumerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.options.visibilitySeconds / 3)) * 1000);
    this.renewTimer.unref();
  }

  /** The runner finished a pull: delete its job, or hand it back when this task is closing. */
  async finished(streamId: string, outcome: 'stopped' | 'failed' | 'closed'): Promise<void> {
    const receipt = this.held.get(streamId);
    if (!receipt) return;
    this.held.delete(streamId);
    const { client, queueUrl } = this.options;
    try {
      if (outcome === 'closed') await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt, VisibilityTimeout: 0 }));
      else await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt }));
    } catch (err) {
      this.options.logger.warn('pull jobs: could not settle a job', { streamId, outcome, error: err instanceof Error ? err.message : String(err) });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.loop?.catch(() => undefined);
  }

  /** One receive of at most the free slots; how many jobs were taken. */
  async pollOnce(): Promise<number> {
    const { client, queueUrl, runner } = this.options;
    const capacity = Math.min(10, runner.capacity);
    if (capacity <= 0) return 0;
    const received = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: capacity, WaitTimeSeconds: this.options.waitSeconds ?? 20, VisibilityTimeout: this.options.visibilitySeconds }),
      { abortSignal: this.abort.signal },
    );
    let taken = 0;
    for (const message of received.Messages ?? []) {
      const parsed = jobBody.safeParse(safeJson(message.Body));
      if (!parsed.success || !message.ReceiptHandle) {
        this.options.logger.warn('pull jobs: dropping a malformed job', { messageId: message.MessageId });
        if (message.ReceiptHandle) await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        continue;
      }
      const { streamId } = parsed.data;
      this.held.set(streamId, message.ReceiptHandle);
      const outcome = runner.submit(parsed.data);
      if (outcome === 'already_running' || outcome === 'already_queued') {
        // A duplicate of a job this task already holds: the held receipt is the newer one now.
        taken++;
      } else if (outcome === 'closed') {
        await this.finished(streamId, 'closed');
      } else taken++;
    }
    return taken;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const taken = await this.pollOnce();
        if (taken === 0 && this.options.runner.capacity <= 0) await pause(1_000, this.abort.signal);
      } catch (err) {
        if (!this.running) return;
        this.options.logger.error('pull jobs: receive failed', { error: err instanceof Error ? err.message : String(err) });
        await pause(5_000, this.abort.signal);
      }
    }
  }

  private async renew(): Promise<void> {
    for (const [streamId, receipt] of this.held) {
      try {
        await this.options.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: receipt, VisibilityTimeout: this.options.visibilitySeconds }));
      } catch (err) {
        this.options.logger.warn('pull jobs: could not extend a job', { streamId, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
