/**
 * The queue side of webhooks: the local SQS stand-in behaves like SQS where the dispatcher depends on
 * it (delays capped at 15 minutes, partial batch failures, redelivery after the visibility timeout,
 * dead-lettering after maxReceiveCount), and long retry delays become chains of ≤15-minute hops.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSEvent } from 'aws-lambda';
import { LocalQueue, LocalQueueError } from '../../../adapters/local-queue';
import { QueueDeadLetterSink, QueueRetryScheduler, sqsQueueSender, type QueueSender } from '../../../adapters/sqs-retry-scheduler';
import { attemptMessage } from '../../../core/webhooks/delivery';
import { waitFor } from '../../support/wait';

const message = attemptMessage({
  endpointId: 'wh_aaaaaaaaaaaaaaaaaaaa',
  eventId: 'evt_aaaaaaaaaaaaaaaaaaaa',
  eventType: 'stream.live',
  streamId: null,
  body: '{}',
  attempt: 2,
  trigger: 'retry',
});

describe('local queue', () => {
  it('refuses delays SQS would refuse', async () => {
    const queue = new LocalQueue({ name: 'q' });
    try {
      await assert.rejects(queue.sendMessage('x', { delaySeconds: 901 }), LocalQueueError);
      await assert.rejects(queue.sendMessage('x', { delaySeconds: 1.5 }), LocalQueueError);
      await assert.rejects(queue.sendMessage('x'.repeat(256 * 1024 + 1)), LocalQueueError);
    } finally {
      await queue.close();
    }
  });

  it('hands over SQS-shaped records in batches and deletes what did not fail', async () => {
    const seen: SQSEvent[] = [];
    const queue = new LocalQueue({ name: 'q', batchSize: 10, handler: async (event) => void seen.push(event) });
    try {
      for (let i = 0; i < 3; i++) await queue.sendMessage(`m${i}`);
      await queue.whenIdle();
      assert.equal(queue.size, 0);
      const records = seen.flatMap((e) => e.Records);
      assert.deepEqual(records.map((r) => r.body).sort(), ['m0', 'm1', 'm2']);
      const record = records[0]!;
      assert.equal(record.eventSource, 'aws:sqs');
      assert.equal(record.attributes.ApproximateReceiveCount, '1');
      assert.match(record.eventSourceARN, /^arn:aws:sqs:local:000000000000:q$/);
      assert.match(record.md5OfBody, /^[0-9a-f]{32}$/);
    } finally {
      await queue.close();
    }
  });

  it('receives failed records again after the visibility timeout, then dead-letters them', async () => {
    const dlq = new LocalQueue({ name: 'dlq' });
    const receives: string[] = [];
    const queue = new LocalQueue({
      name: 'q',
      visibilityTimeoutMs: 20,
      maxReceiveCount: 3,
      deadLetterQueue: dlq,
      handler: async (event) => {
        receives.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
        return { batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    try {
      await queue.sendMessage('poison');
      await queue.sendMessage('fine');
      await waitFor('the poison message in the dead-letter queue', () => (dlq.size === 1 ? true : undefined), { intervalMs: 5 });
      assert.deepEqual(dlq.peek().map((m) => m.body), ['poison']);
      assert.deepEqual(receives.filter((r) => r.startsWith('poison')), ['poison#1', 'poison#2', 'poison#3']);
      assert.deepEqual(receives.filter((r) => r.startsWith('fine')), ['fine#1']);
      assert.equal(queue.size, 0);
      assert.equal(await dlq.redriveTo(queue), 1, 'redrive moves it back');
    } finally {
      await queue.close();
      await dlq.close();
    }
  });

  it('treats a thrown handler as a failure of the whole batch', async () => {
    let calls = 0;
    const queue = new LocalQueue({
      name: 'q',
      visibilityTimeoutMs: 10,
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
    });
    try {
      await queue.sendMessage('a');
      await waitFor('the second receive', () => (calls >= 2 && queue.size === 0 ? true : undefined), { intervalMs: 5 });
    } finally {
      await queue.close();
    }
  });
});

describe('queue retry scheduler', () => {
  function recorder(): QueueSender & { sent: Array<{ body: Record<string, unknown>; delaySeconds: number }> } {
    const sent: Array<{ body: Record<string, unknown>; delaySeconds: number }> = [];
    return { sent, sendMessage: async (body, delaySeconds) => void sent.push({ body: JSON.parse(body) as Record<string, unknown>, delaySeconds }) };
  }

  it('sends short delays as one delayed message, rounded up to whole seconds', async () => {
    const queue = recorder();
    await new QueueRetryScheduler(queue).schedule(message, 4_200);
    assert.deepEqual(queue.sent.map((s) => [s.delaySeconds, s.body.delayRemainingMs]), [[5, undefined]]);
  });

  it('turns a 10 h delay into a 15 min hop that carries the rest', async () => {
    const queue = recorder();
    await new QueueRetryScheduler(queue).schedule({ ...message, delayRemainingMs: 123 }, 36_000_000);
    assert.equal(queue.sent[0]?.delaySeconds, 900);
    assert.equal(queue.sent[0]?.body.delayRemainingMs, 36_000_000 - 900_000, 'the old remainder is replaced, not added');
    assert.equal(queue.sent[0]?.body.attempt, 2);
  });

  it('parks dead letters with the reason', async () => {
    const queue = recorder();
    await new QueueDeadLetterSink(queue, { now: () => new Date('2025-01-01T00:00:00Z') }).deadLetter(message, { code: 'timeout', message: 'No response.' });
    assert.deepEqual(queue.sent[0]?.body.deadLetter, { code: 'timeout', message: 'No response.', at: '2025-01-01T00:00:00.000Z' });
    assert.equal(queue.sent[0]?.delaySeconds, 0);
  });

  it('sends through SQS with DelaySeconds', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: '1' });
    try {
      await new QueueRetryScheduler(sqsQueueSender('https://sqs.eu-west-1.amazonaws.com/123456789012/retries', new SQSClient({ region: 'eu-west-1' }))).schedule(message, 300_000);
      const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
      assert.equal(input?.QueueUrl, 'https://sqs.eu-west-1.amazonaws.com/123456789012/retries');
      assert.equal(input?.DelaySeconds, 300);
      assert.equal(JSON.parse(input?.MessageBody ?? '{}').deliveryId, message.deliveryId);
    } finally {
      sqs.restore();
    }
  });
});
