/**
 * A standard SQS queue in memory with the semantics held jobs rely on: received messages stay invisible
 * for their visibility timeout, extensions and hand-backs (visibility 0) by receipt, deletes by receipt, a
 * new receipt on every receive, long polls that return as soon as a message is visible. There is no local
 * SQS in this environment; one FakeSqs is shared by every ingest of a test like one queue URL.
 */
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';

interface Stored {
  id: string;
  body: string;
  receipt: string | undefined;
  visibleAt: number;
  receives: number;
}

export class FakeSqs {
  private readonly messages: Stored[] = [];

  /** Bodies of every message still in the queue (visible or held). */
  bodies(): string[] {
    return this.messages.map((m) => m.body);
  }

  /** Messages currently held (received, not yet visible again). */
  inFlight(): number {
    return this.messages.filter((m) => m.receipt && m.visibleAt > Date.now()).length;
  }

  client(): SQSClient {
    return { send: (command: unknown, options?: { abortSignal?: AbortSignal }) => this.handle(command, options?.abortSignal) } as unknown as SQSClient;
  }

  private async handle(command: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    if (command instanceof SendMessageCommand) {
      const id = randomUUID();
      this.messages.push({ id, body: command.input.MessageBody ?? '', receipt: undefined, visibleAt: Date.now() + (command.input.DelaySeconds ?? 0) * 1000, receives: 0 });
      return { MessageId: id };
    }
    if (command instanceof ReceiveMessageCommand) {
      const deadline = Date.now() + (command.input.WaitTimeSeconds ?? 0) * 1000;
      for (;;) {
        const now = Date.now();
        const visible = this.messages.filter((m) => m.visibleAt <= now).slice(0, command.input.MaxNumberOfMessages ?? 1);
        if (visible.length > 0 || now >= deadline || signal?.aborted) {
          for (const m of visible) {
            m.receipt = randomUUID();
            m.receives++;
            m.visibleAt = now + (command.input.VisibilityTimeout ?? 30) * 1000;
          }
          return { Messages: visible.map((m) => ({ MessageId: m.id, ReceiptHandle: m.receipt, Body: m.body })) };
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (command instanceof ChangeMessageVisibilityCommand) {
      const m = this.byReceipt(command.input.ReceiptHandle);
      m.visibleAt = Date.now() + (command.input.VisibilityTimeout ?? 0) * 1000;
      return {};
    }
    if (command instanceof DeleteMessageCommand) {
      const m = this.byReceipt(command.input.ReceiptHandle);
      this.messages.splice(this.messages.indexOf(m), 1);
      return {};
    }
    throw new Error(`FakeSqs: ${String((command as object).constructor.name)} is not implemented`);
  }

  private byReceipt(receipt: string | undefined): Stored {
    const m = this.messages.find((x) => x.receipt !== undefined && x.receipt === receipt);
    if (!m) throw Object.assign(new Error('The receipt handle is not valid.'), { name: 'ReceiptHandleIsInvalid' });
    return m;
  }
}
