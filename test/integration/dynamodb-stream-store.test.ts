/**
 * The DynamoDB stream store against a real dynalite on disk: conditional writes, key lookups that follow
 * resets and deletes at once, cursor pagination, atomic sequences, and data that survives a restart.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { itemKeys } from '../../adapters/dynamodb-table';
import { ConflictError, DuplicateError, NotFoundError, ValidationError } from '../../core/errors';
import { newId } from '../../core/ids';
import type { Stream } from '../../core/streams/stream';
import { generateStreamKey, hashStreamKey } from '../../core/streams/stream-key';
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

  it('creates and reads back a stream by id and by key hash, nested fields included', async () => {
    const stream = await created({
      status: 'live',
      sessionId: newId('session'),
      sessionStartedAt: '2025-01-01T00:00:00.000Z',
      transcode: { topRung: 'encode', reason: 'h264 high', renditions: [{ name: '720p', width: 1280, height: 720, bandwidth: 3_000_000, codecs: 'avc1.64001f' }] },
    });
    assert.deepEqual(await store.get(stream.id), strip(stream));
    assert.deepEqual(await store.getByKeyHash(hashStreamKey(stream.streamKey)), strip(stream));
    assert.equal(await store.get(newId('stream')), undefined);
    assert.equal(await store.getByKeyHash(hashStreamKey(generateStreamKey())), undefined);
  });

  it('refuses a duplicate id or key hash and leaves the first stream intact', async () => {
    const first = await created();
    await assert.rejects(store.create(strip({ ...newStream(), id: first.id })), DuplicateError);
    await assert.rejects(store.create(strip({ ...newStream(), keyHash: first.keyHash })), DuplicateError);
    assert.deepEqual(await store.get(first.id), strip(first));
    assert.equal((await store.getByKeyHash(first.keyHash))?.id, first.id);
  });

  describe('conditional put', () => {
    it('stores the next version when the expected one matches', async () => {
      const stream = strip(await created());
      await store.put({ ...stream, name: 'Renamed', version: 99 }, { expectedVersion: 1 });
      const stored = await store.get(stream.id);
      assert.equal(stored?.name, 'Renamed');
      assert.equal(stored?.version, 2, 'the store sets version = expected + 1');
    });

    it('refuses a stale version, a status outside the expected set, and a changed key hash', async () => {
      const stream = strip(await created());
      await store.put({ ...stream, status: 'connected' }, { expectedVersion: 1 });
      await assert.rejects(store.put({ ...stream, name: 'stale' }, { expectedVersion: 1 }), ConflictError);
      await assert.rejects(store.put({ ...stream, name: 'wrong status' }, { expectedVersion: 2, expectedStatus: ['idle', 'ended'] }), ConflictError);
      await assert.rejects(store.put({ ...stream, keyHash: hashStreamKey(generateStreamKey()) }, { expectedVersion: 2 }), ConflictError);
      await store.put({ ...stream, status: 'live' }, { expectedVersion: 2, expectedStatus: ['connected'] });
      assert.equal((await store.get(stream.id))?.status, 'live');
    });

    it('lets exactly one of two racing writers win', async () => {
      const stream = strip(await created());
      const results = await Promise.allSettled([
        store.put({ ...stream, name: 'A' }, { expectedVersion: 1 }),
        store.put({ ...stream, name: 'B' }, { expectedVersion: 1 }),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const lost = results.find((r) => r.status === 'rejected');
      assert.ok(lost && lost.status === 'rejected' && lost.reason instanceof ConflictError);
    });

    it('refuses to resurrect a deleted stream', async () => {
      const stream = strip(await created());
      await store.delete(stream.id);
      await assert.rejects(store.put({ ...stream }, { expectedVersion: 1 }), ConflictError);
      assert.equal(await store.get(stream.id), undefined);
    });

    it('drops optional fields that the next version no longer has', async () => {
      const stream = strip(await created({ status: 'connected', sessionId: newId('session') }));
      const { sessionId: _s, ...ended } = stream;
      await store.put({ ...ended, status: 'ended', lastSessionId: stream.sessionId as string }, { expectedVersion: 1 });
      const stored = await store.get(stream.id);
      assert.equal(stored?.sessionId, undefined);
      assert.equal(stored?.lastSessionId, stream.sessionId);
    });
  });

  describe('key reset', () => {
    it('makes the old hash unresolvable at once and the new one resolve', async () => {
      const stream = strip(await created());
      const newHash = hashStreamKey(generateStreamKey());
      await store.replaceKeyHash(stream.id, stream.keyHash, newHash, { ...stream, keyHash: newHash }, 1);
      assert.equal(await store.getByKeyHash(stream.keyHash), undefined);
      assert.equal((await store.getByKeyHash(newHash))?.id, stream.id);
      assert.equal((await store.get(stream.id))?.version, 2);
    });

    it('on a lost race changes nothing: the old key still works, the new one never does', async () => {
      const stream = strip(await created());
      await store.put({ ...stream, name: 'moved on' }, { expectedVersion: 1 });
      const newHash = hashStreamKey(generateStreamKey());
      await assert.rejects(store.replaceKeyHash(stream.id, stream.keyHash, newHash, { ...stream, keyHash: newHash }, 1), ConflictError);
      assert.equal((await store.getByKeyHash(stream.keyHash))?.id, stream.id);
      assert.equal(await store.getByKeyHash(newHash), undefined);
    });

    it('never resolves a stale key index item to a stream that has another key', async () => {
      const stream = strip(await created());
      const strayHash = hashStreamKey(generateStreamKey());
      // As left behind by a crash between the stream write and the cleanup.
      await dynamo.client.send(new PutItemCommand({ TableName: TEST_TABLE, Item: marshall({ ...itemKeys.keyHash(strayHash), streamId: stream.id }) }));
      assert.equal(await store.getByKeyHash(strayHash), undefined);
    });
  });

  describe('delete', () => {
    it('removes the stream and its key', async () => {
      const stream = await created();
      await store.delete(stream.id);
      assert.equal(await store.get(stream.id), undefined);
      assert.equal(await store.getByKeyHash(stream.keyHash), undefined);
      await assert.rejects(store.delete(stream.id), NotFoundError);
    });
  });

  describe('list', () => {
    it('pages newest first with an opaque cursor and no empty last page', async () => {
      const fresh = await startTestDynamo();
      try {
        store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: fresh.client });
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) ids.push((await created()).id);

        const seen: string[] = [];
        let cursor: string | undefined;
        const sizes: number[] = [];
        do {
          const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) });
          sizes.push(page.items.length);
          seen.push(...page.items.map((s) => s.id));
          cursor = page.next;
          if (cursor) assert.match(cursor, /^[A-Za-z0-9_-]+$/);
        } while (cursor);
        assert.deepEqual(sizes, [3, 3, 1]);
        assert.deepEqual(seen, [...ids].reverse());

        const exact = await store.list({ limit: 7 });
        assert.equal(exact.items.length, 7);
        assert.equal(exact.next, undefined, 'a page that ends exactly at the last stream has no next');

        // A cursor is a position, so it survives the deletion of the stream it was taken at.
        const page = await store.list({ limit: 2 });
        await store.delete(page.items[1]?.id as string);
        const rest = await store.list({ limit: 10, cursor: page.next as string });
        assert.deepEqual(rest.items.map((s) => s.id), [...ids].reverse().slice(2));
      } finally {
        await fresh.stop();
      }
    });

    const garbage: Array<[string, string]> = [
      ['not base64url', 'abc!!'],
      ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
      ['an empty object', Buffer.from('{}').toString('base64url')],
      ['a wrong version', Buffer.from(JSON.stringify({ v: 2, createdAt: '2025-01-01T00:00:00.000Z', id: 'st_aaaaaaaaaaaaaaaaaaaa' })).toString('base64url')],
      ['an injected key', Buffer.from(JSON.stringify({ v: 1, createdAt: '2025-01-01T00:00:00.000Z', id: 'KEY#x' })).toString('base64url')],
      ['extra fields', Buffer.from(JSON.stringify({ v: 1, createdAt: '2025-01-01T00:00:00.000Z', id: 'st_aaaaaaaaaaaaaaaaaaaa', pk: 'x' })).toString('base64url')],
      ['a huge value', 'A'.repeat(10_000)],
      ['an empty string', ''],
    ];
    for (const [what, cursor] of garbage) {
      it(`refuses a cursor that is ${what}`, async () => {
        await assert.rejects(store.list({ limit: 5, cursor }), ValidationError);
      });
    }

    it('refuses an out-of-range limit', async () => {
      await assert.rejects(store.list({ limit: 0 }), ValidationError);
      await assert.rejects(store.list({ limit: 1.5 }), ValidationError);
    });
  });

  describe('sequences', () => {
    it('count per stream from 1, independently, including stream-less events', async () => {
      const a = newId('stream');
      const b = newId('stream');
      assert.deepEqual([await store.nextSequence(a), await store.nextSequence(a), await store.nextSequence(b), await store.nextSequence(a)], [1, 2, 1, 3]);
      const none = await store.nextSequence(null);
      assert.equal(await store.nextSequence(null), none + 1);
    });

    it('never hand out the same number twice under concurrency', async () => {
      const id = newId('stream');
      const values = await Promise.all(Array.from({ length: 25 }, () => store.nextSequence(id)));
      assert.deepEqual([...values].sort((x, y) => x - y), Array.from({ length: 25 }, (_, i) => i + 1));
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
