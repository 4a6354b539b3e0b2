/**
 * Cloud: deleting a stream deletes its simulcast targets and their key ciphertexts. The cleanup consumer
 * (lambdas/simulcast-cleanup) gets `stream.deleted` as an EventBridge event inside an SQS record and
 * clears the stream's SIMULCAST# partition on dynalite; other streams' targets stay; a duplicate
 * delivery is harmless; an unreadable record fails alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { DynamoDbSimulcastTargetStore } from '../../adapters/dynamodb-simulcast-target-store';
import { buildEvent, type StreamplaneEvent } from '../../core/events/catalog';
import { newId } from '../../core/ids';
import type { SimulcastTarget } from '../../core/relays/target';
import { createSimulcastCleanupHandler } from '../../lambdas/simulcast-cleanup/handler';
import { startTestDynamo, type TestDynamo } from '../support/local-dynamo';

const context = {} as Context;

function record(messageId: string, body: unknown): SQSEvent['Records'][number] {
  return { messageId, body: typeof body === 'string' ? body : JSON.stringify(body) } as SQSEvent['Records'][number];
}

function bridged(event: StreamplaneEvent) {
  return { version: '0', id: 'eb-1', 'detail-type': event.type, source: 'streamplane', time: event.time, detail: event };
}

function target(streamId: string, n: number): SimulcastTarget {
  const now = new Date().toISOString();
  return { id: newId('simulcastTarget'), streamId, name: `t${n}`, url: `rtmp://live.example.com/app${n}`, encryptedKey: `v1.ciphertext-${n}`, enabled: true, status: 'idle', createdAt: now, updatedAt: now };
}

describe('simulcast cleanup consumer (dynalite)', () => {
  let dynamo: TestDynamo;
  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo.stop();
  });

  it('deletes every target of a deleted stream, with its key ciphertext, and nothing of other streams', async () => {
    const tableName = await dynamo.newTable();
    const store = new DynamoDbSimulcastTargetStore({ tableName, client: dynamo.client });
    const deleted = newId('stream');
    const kept = newId('stream');
    for (let n = 0; n < 3; n++) await store.create(target(deleted, n));
    await store.create(target(kept, 9));
    const handler = createSimulcastCleanupHandler({ targets: store });
    const event = buildEvent({ type: 'stream.deleted', streamId: deleted, data: {} }, { id: newId('event'), time: new Date(), sequence: 7 });

    const result = await handler({ Records: [record('a', bridged(event)), record('b', bridged(event)), record('c', 'not json')] }, context);

    assert.deepEqual(result.batchItemFailures, [{ itemIdentifier: 'c' }]);
    assert.deepEqual(await store.list(deleted), []);
    assert.deepEqual((await store.list(kept)).map((t) => t.name), ['t9']);
    const items = (await dynamo.client.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
    const text = JSON.stringify(items);
    for (let n = 0; n < 3; n++) assert.ok(!text.includes(`ciphertext-${n}`), 'a deleted target\'s key ciphertext is still in the table');
    assert.ok(text.includes('ciphertext-9'));
  });
});
