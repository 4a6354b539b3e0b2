/** The container's SQS poller: handled messages are deleted, failed ones are left for redelivery. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { SqsQueuePoller } from '../../../adapters/sqs-queue-poller';

describe('SqsQueuePoller', () => {
  it('deletes what the handler processed and leaves its failures on the queue', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [
        { MessageId: 'ok', ReceiptHandle: 'r-ok', Body: '{"recordingId":"a"}', Attributes: { ApproximateReceiveCount: '1' } },
        { MessageId: 'bad', ReceiptHandle: 'r-bad', Body: 'nope', Attributes: { ApproximateReceiveCount: '2' } },
      ],
    });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const seen: string[] = [];
    const poller = new SqsQueuePoller({
      client: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/exports',
      batchSize: 2,
      handler: async (event) => {
        seen.push(...event.Records.map((r) => `${r.messageId}:${r.attributes.ApproximateReceiveCount}`));
        return { batchItemFailures: [{ itemIdentifier: 'bad' }] };
      },
    });
    assert.equal(await poller.pollOnce(), 1);
    assert.deepEqual(seen, ['ok:1', 'bad:2']);
    const deletes = sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries?.map((e) => e.ReceiptHandle));
    assert.deepEqual(deletes, [['r-ok']]);
    sqs.restore();
  });

  it('deletes nothing when the handler throws', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [{ MessageId: 'm', ReceiptHandle: 'r', Body: '{}' }] });
    const poller = new SqsQueuePoller({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'q', handler: async () => Promise.reject(new Error('boom')) });
    assert.equal(await poller.pollOnce(), 0);
    assert.equal(sqs.commandCalls(DeleteMessageBatchCommand).length, 0);
    sqs.restore();
  });
});
