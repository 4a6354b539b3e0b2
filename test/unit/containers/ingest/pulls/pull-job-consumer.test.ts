/**
 * The cloud's pull-job consumer against a mocked SQS client: it asks for no more jobs than the runner
 * has free slots, deletes a job when its pull is over, hands it back (visibility 0) when the task
 * closes, and drops malformed jobs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { silentLogger } from '../../../../../core/ports/logger';
import { PullJobConsumer } from '../../../../../containers/ingest/src/pulls/pull-job-consumer';
import type { PullRunner } from '../../../../../containers/ingest/src/pulls/pull-runner';

function fakeRunner(capacity: number) {
  const submitted: string[] = [];
  const runner = {
    get capacity() {
      return capacity - submitted.length;
    },
    submit: (job: { streamId: string }) => {
      submitted.push(job.streamId);
      return 'start' as const;
    },
  } as unknown as PullRunner;
  return { runner, submitted };
}

const job = (id: string) => ({ MessageId: `m-${id}`, ReceiptHandle: `r-${id}`, Body: JSON.stringify({ streamId: id, requestedAt: '2026-01-01T00:00:00Z' }) });

describe('PullJobConsumer', () => {
  it('receives at most the free slots, deletes finished jobs and hands back jobs on close', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [job('str_a'), job('str_b')] });
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const { runner, submitted } = fakeRunner(2);
    const consumer = new PullJobConsumer({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://sqs.example/q', runner, logger: silentLogger, visibilitySeconds: 30, waitSeconds: 0 });

    assert.equal(await consumer.pollOnce(), 2);
    assert.equal(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.MaxNumberOfMessages, 2);
    assert.deepEqual(submitted, ['str_a', 'str_b']);
    assert.equal(await consumer.pollOnce(), 0, 'no slot free: no receive');
    assert.equal(sqs.commandCalls(ReceiveMessageCommand).length, 1);

    await consumer.finished('str_a', 'failed');
    assert.deepEqual(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle), ['r-str_a']);
    await consumer.finished('str_b', 'closed');
    assert.deepEqual(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => [c.args[0].input.ReceiptHandle, c.args[0].input.VisibilityTimeout]), [['r-str_b', 0]]);
    sqs.restore();
  });

  it('drops a malformed job instead of handing it out forever', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [{ MessageId: 'm', ReceiptHandle: 'r-bad', Body: '{"nope":1}' }] });
    sqs.on(DeleteMessageCommand).resolves({});
    const { runner, submitted } = fakeRunner(4);
    const consumer = new PullJobConsumer({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://sqs.example/q', runner, logger: silentLogger, visibilitySeconds: 30, waitSeconds: 0 });
    assert.equal(await consumer.pollOnce(), 0);
    assert.deepEqual(submitted, []);
    assert.deepEqual(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle), ['r-bad']);
    sqs.restore();
  });
});
