/**
 * The DynamoDB stream store against a real dynalite on disk: the StreamStore contract (conditional
 * writes, key lookups that follow resets and deletes at once, cursor pagination, atomic sequences — the
 * same suite the in-memory fake runs), plus what only this adapter has: stale key index items and data
 * that survives a restart.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { itemKeys } from '../../adapters/dynamodb-table';
import { newId } from '../../core/ids';
import type { Stream } from '../../core/streams/stream';
import { generateStreamKey, hashStreamKey } from '../../core/streams/stream-key';
import { streamStoreContract } from '../support/contracts/stream-store.contract';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';

describe('DynamoDbStreamStore (dynalite)', () => {
  let dynamo: TestDynamo;
  let store: DynamoDbStreamStore;
  let tick = 0;

  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo?.stop();
  });
  beforeEach(() => {
    store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
  });

  function newStream(overrides: Partial<Stream> = {}): Stream & { streamKey: string } {
    const streamKey = generateStreamKey();
    // Distinct, increasing creation times make list order deterministic.
    const createdAt = new Date(Date.UTC(2025, 0, 1) + ++tick * 1000).toISOString();
    return {
      id: newId('stream'),
      name: 'Test stream',
      status: 'idle',
      keyHash: hashStreamKey(streamKey),
      recording: true,
      reconnectWindowSeconds: 60,
      createdAt,
      updatedAt: createdAt,
      version: 1,
      streamKey,
      ...overrides,
    };
  }

  async function created(overrides: Partial<Stream> = {}): Promise<Stream & { streamKey: string }> {
    const full = newStream(overrides);
    const { streamKey: _key, ...stream } = full;
    await store.create(stream);
    return full;
  }

  function strip(stream: Stream & { streamKey?: string }): Stream {
    const { streamKey: _key, ...rest } = stream;
    return rest;
  }

  describe('key index', () => {
    it('never resolves a stale key index item to a stream that has another key', async () => {
      const stream = strip(await created());
      const strayHash = hashStreamKey(generateStreamKey());
      // As left behind by a crash between the stream write and the cleanup.
      await dynamo.client.send(new PutItemCommand({ TableName: TEST_TABLE, Item: marshall({ ...itemKeys.keyHash(strayHash), streamId: stream.id }) }));
      assert.equal(await store.getByKeyHash(strayHash), undefined);
    });
  });

  it('keeps streams, keys and counters across a restart on the same data dir', async () => {
    const stream = await created();
    const seq = await store.nextSequence(stream.id);

    await dynamo.restart();
    store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });

    assert.deepEqual(await store.get(stream.id), strip(stream));
    assert.equal((await store.getByKeyHash(hashStreamKey(stream.streamKey)))?.id, stream.id);
    assert.equal(await store.nextSequence(stream.id), seq + 1);
  });
});

describe('DynamoDbStreamStore (dynalite): port contract', () => {
  let dynamo: TestDynamo;
  before(async () => {
    dynamo = await startTestDynamo();
  });
  after(async () => {
    await dynamo?.stop();
  });
  streamStoreContract('DynamoDbStreamStore', async () => new DynamoDbStreamStore({ tableName: await dynamo.newTable(), client: dynamo.client }));
});
