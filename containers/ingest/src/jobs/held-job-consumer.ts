/**
 * Takes long-running jobs (pulls, 24/7 channel playouts) from an SQS queue, only as many as the work has
 * free slots, and holds each message for as long as its work runs on this task: the visibility is
 * extended on a timer, the message is deleted when the work is over, and handed back at once when the
 * task shuts down. A task that dies stops extending, so the job becomes visible again and another task
 * takes it. One job per key (a stream): a duplicate of a held job replaces the held receipt.
 *
 * Must never: receive more jobs than free slots, delete a job whose work still runs, or hand a malformed
 * body to the work (it is deleted instead, so it is not handed out forever).
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { z } from 'zod';
import type { Logger } from '../../../../core/ports/logger';

/** What the work answers when handed a job: `held` keeps the message, `closed` hands it back, `drop` deletes it. */
export type JobAdmission = 'held' | 'duplicate' | 'closed' | 'drop';

/**
 * How held work ended: `done` and `failed` delete the job, `closed` (this task stops) hands it back,
 * `lost` (the work fenced itself off: its store may be unreachable) forgets it without a call to the
 * queue — it stops being extended and becomes visible to another task when its visibility runs out.
 */
export type JobSettlement = 'done' | 'failed' | 'closed' | 'lost';

export interface HeldJobConsumerOptions<J> {
  client: SQSClient;
  queueUrl: string;
  /** For logs: "pull jobs", "channel jobs". */
  name: string;
  body: z.ZodType<J>;
  /** The job's key (its stream): at most one held message per key. */
  key(job: J): string;
  /** Free slots now. */
  capacity(): number;
  submit(job: J): JobAdmission | Promise<JobAdmission>;
  logger: Logger;
  /** The queue's visibility timeout; the hold is renewed at a third of it. */
  visibilitySeconds: number;
  waitSeconds?: number;
}

export class HeldJobConsumer<J> {
  private readonly held = new Map<string, string>();
  private running = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: HeldJobConsumerOptions<J>) {}

  /** Keys of the jobs this task holds now. */
  heldKeys(): string[] {
    return [...this.held.keys()];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(1, Math.floor(this.options.visibilitySeconds / 3)) * 1000);
    this.renewTimer.unref();
  }

  /** The work of `key` is over: delete its job, or hand it back when this task is closing. */
  async finished(key: string, outcome: JobSettlement): Promise<void> {
    const receipt = this.held.get(key);
    if (!receipt) return;
    this.held.delete(key);
    if (outcome === 'lost') {
      this.options.logger.warn(`${this.options.name}: a job was lost here; it reappears for another task`, { key });
      return;
    }
    await this.settle(receipt, outcome === 'closed' ? 'hand_back' : 'delete', key);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.loop?.catch(() => undefined);
  }

  /** One receive of at most the free slots; how many jobs were taken. */
  async pollOnce(): Promise<number> {
    const { client, queueUrl } = this.options;
    const capacity = Math.min(10, this.options.capacity());
    if (capacity <= 0) return 0;
    const received = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: capacity, WaitTimeSeconds: this.options.waitSeconds ?? 20, VisibilityTimeout: this.options.visibilitySeconds }),
      { abortSignal: this.abort.signal },
    );
    let taken = 0;
    for (const message of received.Messages ?? []) {
      const parsed = this.options.body.safeParse(safeJson(message.Body));
      if (!parsed.success || !message.ReceiptHandle) {
        this.options.logger.warn(`${this.options.name}: dropping a malformed job`, { messageId: message.MessageId });
        if (message.ReceiptHandle) await this.settle(message.ReceiptHandle, 'delete');
        continue;
      }
      const key = this.options.key(parsed.data);
      const previous = this.held.get(key);
      this.held.set(key, message.ReceiptHandle);
      const admission = await this.options.submit(parsed.data);
      if (admission === 'held' || admission === 'duplicate') {
        // A duplicate of a job this task already holds: the held receipt is the newer one now.
        taken++;
      } else if (admission === 'closed') {
        await this.finished(key, 'closed');
      } else {
        if (previous) this.held.set(key, previous);
        else this.held.delete(key);
        await this.settle(message.ReceiptHandle, 'delete', key);
      }
    }
    return taken;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const taken = await this.pollOnce();
        if (taken === 0 && this.options.capacity() <= 0) await pause(1_000, this.abort.signal);
      } catch (err) {
        if (!this.running) return;
        this.options.logger.error(`${this.options.name}: receive failed`, { error: err instanceof Error ? err.message : String(err) });
        await pause(5_000, this.abort.signal);
      }
    }
  }

  private async settle(receipt: string, how: 'delete' | 'hand_back', key?: string): Promise<void> {
    const { client, queueUrl } = this.options;
    try {
      if (how === 'hand_back') await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt, VisibilityTimeout: 0 }));
      else await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt }));
    } catch (err) {
      this.options.logger.warn(`${this.options.name}: could not settle a job`, { key, how, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async renew(): Promise<void> {
    for (const [key, receipt] of this.held) {
      try {
        await this.options.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: receipt, VisibilityTimeout: this.options.visibilitySeconds }));
      } catch (err) {
        this.options.logger.warn(`${this.options.name}: could not extend a job`, { key, error: err instanceof Error ? err.message : String(err) });
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
