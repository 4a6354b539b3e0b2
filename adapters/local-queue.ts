/**
 * The local plane's stand-in for an SQS standard queue with a Lambda event source mapping: messages
 * with an optional delay (at most 15 minutes, as in SQS), batches of SQS-shaped records handed to a
 * handler, partial batch failures (`batchItemFailures`) and thrown errors leave messages invisible
 * until the visibility timeout, after which they are received again; past `maxReceiveCount` receives
 * a message moves to the dead-letter queue. A handler running past the visibility timeout sees its
 * messages delivered again, as in SQS: consumers must be idempotent here too.
 *
 * Message delays run on an injectable scheduler so tests can compress hours of backoff into
 * milliseconds; visibility timeouts always use real time.
 *
 * Must never: lose a message silently while open (closing drops what is still queued: the queue lives in
 * memory, see docs/events.md), or deliver more than `maxConcurrentBatches` batches at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { silentLogger, type Logger } from '../core/ports/logger';
import { fakeLambdaContext } from './local-lambda-context';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface DelayScheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: DelayScheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Runs every delay `factor` times faster (tests: 10_000 turns 10 h into 3.6 s). */
export function compressedScheduler(factor: number): DelayScheduler {
  return { setTimeout: (callback, ms) => setTimeout(callback, ms / factor), clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout) };
}

export const MAX_DELAY_SECONDS = 900;
export const MAX_MESSAGE_BYTES = 256 * 1024;

export class LocalQueueError extends Error {
  override readonly name = 'LocalQueueError';
  readonly code: 'invalid_parameter' | 'closed';
  constructor(code: 'invalid_parameter' | 'closed', message: string) {
    super(message);
    this.code = code;
  }
}

export interface LocalQueueOptions {
  name: string;
  /** Without a handler the queue only holds messages (a dead-letter queue). */
  handler?: SqsHandler;
  batchSize?: number;
  maxConcurrentBatches?: number;
  visibilityTimeoutMs?: number;
  maxReceiveCount?: number;
  deadLetterQueue?: LocalQueue;
  delayScheduler?: DelayScheduler;
  /** What `context.getRemainingTimeInMillis()` starts from in each invocation. */
  invocationTimeoutMs?: number;
  logger?: Logger;
}

interface Message {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  state: 'delayed' | 'visible' | 'in_flight';
  /** Changes on every receive: a late completion of an older receive deletes nothing it should not. */
  receipt?: string;
  timer?: unknown;
  visibilityTimer?: NodeJS.Timeout;
}

export interface QueuedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
}

export class LocalQueue {
  readonly name: string;
  readonly arn: string;
  private readonly handler: SqsHandler | undefined;
  private readonly batchSize: number;
  private readonly maxConcurrentBatches: number;
  private readonly visibilityTimeoutMs: number;
  private readonly maxReceiveCount: number;
  private readonly deadLetterQueue: LocalQueue | undefined;
  private readonly scheduler: DelayScheduler;
  private readonly invocationTimeoutMs: number;
  private readonly logger: Logger;
  private readonly messages = new Map<string, Message>();
  private readonly visible: string[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly idleWaiters = new Set<() => void>();
  private pumpScheduled = false;
  private closed = false;

  constructor(options: LocalQueueOptions) {
    this.name = options.name;
    this.arn = `arn:aws:sqs:local:000000000000:${options.name}`;
    this.handler = options.handler;
    this.batchSize = options.batchSize ?? 10;
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 16;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 120_000;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.deadLetterQueue = options.deadLetterQueue;
    this.scheduler = options.delayScheduler ?? realScheduler;
    this.invocationTimeoutMs = options.invocationTimeoutMs ?? 15 * 60_000;
    this.logger = options.logger ?? silentLogger;
  }

  /** SQS SendMessage: the id of the new message. Same limits as SQS (256 KiB, delay 0–900 s). */
  async sendMessage(body: string, options: { delaySeconds?: number } = {}): Promise<string> {
    if (this.closed) throw new LocalQueueError('closed', `Queue ${this.name} is closed.`);
    const delaySeconds = options.delaySeconds ?? 0;
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
      throw new LocalQueueError('invalid_parameter', `DelaySeconds must be an integer from 0 to ${MAX_DELAY_SECONDS}.`);
    }
    if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) throw new LocalQueueError('invalid_parameter', `Messages are limited to ${MAX_MESSAGE_BYTES} bytes.`);
    const message: Message = { id: randomUUID(), body, sentAt: Date.now(), receiveCount: 0, state: 'delayed' };
    this.messages.set(message.id, message);
    if (delaySeconds === 0) this.makeVisible(message);
    else message.timer = this.scheduler.setTimeout(() => this.makeVisible(message), delaySeconds * 1000);
    return message.id;
  }

  /** Messages held in any state (delayed, visible, being processed). */
  get size(): number {
    return this.messages.size;
  }

  get inFlightBatches(): number {
    return this.running.size;
  }

  /** Nothing visible and nothing being processed (delayed messages may remain). */
  get idle(): boolean {
    return this.isIdle();
  }

  /** A copy of what the queue holds, oldest first (to inspect a dead-letter queue). */
  peek(): QueuedMessage[] {
    return [...this.messages.values()].sort((a, b) => a.sentAt - b.sentAt).map((m) => ({ messageId: m.id, body: m.body, receiveCount: m.receiveCount }));
  }

  /** Moves every message that is not being processed to `target` (SQS "start message move task"). */
  async redriveTo(target: LocalQueue): Promise<number> {
    let moved = 0;
    for (const message of [...this.messages.values()]) {
      if (message.state === 'in_flight') continue;
      await target.sendMessage(message.body);
      this.remove(message);
      moved++;
    }
    return moved;
  }

  /** Resolves when nothing is visible or being processed (delayed messages may remain). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  /** Stops delivering, cancels delays, waits up to `timeoutMs` for running batches. Queued messages are dropped. */
  async close(timeoutMs = 15_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const message of this.messages.values()) {
      if (message.timer !== undefined) this.scheduler.clearTimeout(message.timer);
      if (message.visibilityTimer) clearTimeout(message.visibilityTimer);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    if (this.messages.size > 0) this.logger.warn('local queue closed with messages still queued', { queue: this.name, count: this.messages.size });
    this.messages.clear();
    this.visible.length = 0;
    this.notifyIdle();
  }

  private makeVisible(message: Message): void {
    if (this.closed || !this.messages.has(message.id)) return;
    message.state = 'visible';
    message.timer = undefined;
    this.visible.push(message.id);
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || !this.handler) return;
    this.pumpScheduled = true;
    // setImmediate: messages sent in one burst arrive in one batch, as a batching window would do.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed || !this.handler) return;
    while (this.running.size < this.maxConcurrentBatches && this.visible.length > 0) {
      const batch: Message[] = [];
      while (batch.length < this.batchSize && this.visible.length > 0) {
        const message = this.messages.get(this.visible.shift() as string);
        if (!message || message.state !== 'visible') continue;
        message.receiveCount++;
        if (message.receiveCount > this.maxReceiveCount && this.deadLetterQueue) {
          this.moveToDeadLetter(message);
          continue;
        }
        message.state = 'in_flight';
        message.receipt = randomUUID();
        message.firstReceivedAt ??= Date.now();
        const receipt = message.receipt;
        message.visibilityTimer = setTimeout(() => this.visibilityExpired(message, receipt), this.visibilityTimeoutMs);
        batch.push(message);
      }
      if (batch.length === 0) continue;
      const run = this.invoke(batch).finally(() => {
        this.running.delete(run);
        this.schedulePump();
        this.notifyIdle();
      });
      this.running.add(run);
    }
    this.notifyIdle();
  }

  private async invoke(batch: Message[]): Promise<void> {
    const receipts = new Map(batch.map((m) => [m.id, m.receipt as string]));
    const event: SQSEvent = { Records: batch.map((m) => this.toRecord(m)) };
    const started = Date.now();
    const context = fakeLambdaContext({
      functionName: `${this.name}-consumer`,
      remainingMs: () => Math.max(0, this.invocationTimeoutMs - (Date.now() - started)),
    });
    let failed: Set<string>;
    try {
      const response = await (this.handler as SqsHandler)(event, context);
      const ids = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
      // Lambda treats an identifier that is not in the batch as a failure of the whole batch.
      failed = ids.every((id) => receipts.has(id)) ? new Set(ids) : new Set(receipts.keys());
    } catch (err) {
      this.logger.error('local queue: handler failed; the batch will be received again', { queue: this.name, error: err instanceof Error ? err.name : String(err) });
      failed = new Set(receipts.keys());
    }
    for (const [id, receipt] of receipts) {
      const message = this.messages.get(id);
      // Received again meanwhile (visibility expired): that receive owns it now.
      if (!message || message.receipt !== receipt) continue;
      // Failed messages stay invisible until their visibility timeout, then come back (SQS semantics).
      if (!failed.has(id)) this.remove(message);
    }
  }

  private visibilityExpired(message: Message, receipt: string): void {
    if (this.closed || message.receipt !== receipt || !this.messages.has(message.id)) return;
    message.visibilityTimer = undefined;
    this.makeVisible(message);
  }

  private moveToDeadLetter(message: Message): void {
    this.remove(message);
    void (this.deadLetterQueue as LocalQueue).sendMessage(message.body).catch((err: unknown) => {
      this.logger.error('local queue: could not move a message to the dead-letter queue', { queue: this.name, error: err instanceof Error ? err.name : String(err) });
    });
  }

  private remove(message: Message): void {
    if (message.timer !== undefined) this.scheduler.clearTimeout(message.timer);
    if (message.visibilityTimer) clearTimeout(message.visibilityTimer);
    this.messages.delete(message.id);
  }

  private toRecord(message: Message): SQSRecord {
    return {
      messageId: message.id,
      receiptHandle: message.receipt as string,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? Date.now()),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body, 'utf8').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'local',
    };
  }

  private isIdle(): boolean {
    if (this.running.size > 0) return false;
    for (const message of this.messages.values()) if (message.state !== 'delayed') return false;
    return true;
  }

  private notifyIdle(): void {
    if (this.idleWaiters.size === 0 || !this.isIdle()) return;
    const waiters = [...this.idleWaiters];
    this.idleWaiters.clear();
    for (const resolve of waiters) resolve();
  }
}
