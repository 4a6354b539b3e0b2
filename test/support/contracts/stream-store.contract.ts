/**
 * What every StreamStore must do (core/ports/stream-store.ts), run against the in-memory fake and the
 * DynamoDB adapter on dynalite so the two cannot drift. `makeStore` must return an empty, isolated store.
 * Must never depend on how a store lays out its data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, DuplicateError, NotFoundError, ValidationError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import type { StreamStore } from '../../../core/ports/stream-store';
import type { Stream } from '../../../core/streams/stream';
import { generateStreamKey, hashStreamKey } from '../../../core/streams/stream-key';

export function streamStoreContract(name: string, makeStore: () => Promise<StreamStore>): void {
  describe(`StreamStore contract: ${name}`, () => {
    let tick = 0;

    function newStream(overrides: Partial<Stream> = {}): Stream {
      // Distinct, increasing creation times make list order deterministic.
      const createdAt = new Date(Date.UTC(2025, 0, 1) + ++tick * 1000).toISOString();
      return {
        id: newId('stream'),
        name: 'Test stream',
        status: 'idle',
        keyHash: hashStreamKey(generateStreamKey()),
        recording: true,
        reconnectWindowSeconds: 60,
        createdAt,
        updatedAt: createdAt,
        version: 1,
        ...overrides,
      };
    }

    async function created(store: StreamStore, overrides: Partial<Stream> = {}): Promise<Stream> {
      const stream = newStream(overrides);
      await store.create(stream);
      return stream;
    }

    it('creates and reads back a stream by id and by key hash, nested fields included', async () => {
      const store = await makeStore();
      const stream = await created(store, {
        status: 'live',
        sessionId: newId('session'),
        sessionStartedAt: '2025-01-01T00:00:00.000Z',
        transcode: { topRung: 'encode', reason: 'h264 high', renditions: [{ name: '720p', width: 1280, height: 720, bandwidth: 3_000_000, codecs: 'avc1.64001f' }] },
      });
      assert.deepEqual(await store.get(stream.id), stream);
      assert.deepEqual(await store.getByKeyHash(stream.keyHash), stream);
      assert.equal(await store.get(newId('stream')), undefined);
      assert.equal(await store.getByKeyHash(hashStreamKey(generateStreamKey())), undefined);
    });

    it('keeps a pull source and its pull status', async () => {
      const store = await makeStore();
      const stream = await created(store, {
        source: { url: 'rtsp://admin:pw@127.0.0.1:8554/cam' },
        pull: { state: 'retrying', since: '2025-01-01T00:00:00.000Z', attempts: 2, lastError: 'Connection refused' },
      });
      assert.deepEqual(await store.get(stream.id), stream);
    });

    it('hands out copies: changing a returned stream changes nothing stored', async () => {
      const store = await makeStore();
      const stream = await created(store);
      const read = (await store.get(stream.id)) as Stream;
      read.name = 'mutated';
      assert.equal((await store.get(stream.id))?.name, 'Test stream');
    });

    it('refuses a duplicate id or key hash and leaves the first stream intact', async () => {
      const store = await makeStore();
      const first = await created(store);
      await assert.rejects(store.create({ ...newStream(), id: first.id }), DuplicateError);
      await assert.rejects(store.create({ ...newStream(), keyHash: first.keyHash }), DuplicateError);
      assert.deepEqual(await store.get(first.id), first);
      assert.equal((await store.getByKeyHash(first.keyHash))?.id, first.id);
    });

    describe('conditional put', () => {
      it('stores the next version when the expected one matches', async () => {
        const store = await makeStore();
        const stream = await created(store);
        await store.put({ ...stream, name: 'Renamed', version: 99 }, { expectedVersion: 1 });
        const stored = await store.get(stream.id);
        assert.equal(stored?.name, 'Renamed');
        assert.equal(stored?.version, 2, 'the store sets version = expected + 1');
      });

      it('refuses a stale version, a status outside the expected set, and a changed key hash', async () => {
        const store = await makeStore();
        const stream = await created(store);
        await store.put({ ...stream, status: 'connected' }, { expectedVersion: 1 });
        await assert.rejects(store.put({ ...stream, name: 'stale' }, { expectedVersion: 1 }), ConflictError);
        await assert.rejects(store.put({ ...stream, name: 'wrong status' }, { expectedVersion: 2, expectedStatus: ['idle', 'ended'] }), ConflictError);
        await assert.rejects(store.put({ ...stream, keyHash: hashStreamKey(generateStreamKey()) }, { expectedVersion: 2 }), ConflictError);
        await assert.rejects(store.put({ ...stream, name: 'no status' }, { expectedVersion: 2, expectedStatus: [] }), ConflictError);
        await store.put({ ...stream, status: 'live' }, { expectedVersion: 2, expectedStatus: ['connected'] });
        assert.equal((await store.get(stream.id))?.status, 'live');
      });

      it('lets exactly one of two racing writers win', async () => {
        const store = await makeStore();
        const stream = await created(store);
        const results = await Promise.allSettled([
          store.put({ ...stream, name: 'A' }, { expectedVersion: 1 }),
          store.put({ ...stream, name: 'B' }, { expectedVersion: 1 }),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const lost = results.find((r) => r.status === 'rejected');
        assert.ok(lost && lost.status === 'rejected' && lost.reason instanceof ConflictError);
      });

      it('refuses to resurrect a deleted stream', async () => {
        const store = await makeStore();
        const stream = await created(store);
        await store.delete(stream.id);
        await assert.rejects(store.put({ ...stream }, { expectedVersion: 1 }), ConflictError);
        assert.equal(await store.get(stream.id), undefined);
      });

      it('drops optional fields that the next version no longer has', async () => {
        const store = await makeStore();
        const stream = await created(store, { status: 'connected', sessionId: newId('session') });
        const { sessionId: _s, ...ended } = stream;
        await store.put({ ...ended, status: 'ended', lastSessionId: stream.sessionId as string }, { expectedVersion: 1 });
        const stored = await store.get(stream.id);
        assert.equal(stored?.sessionId, undefined);
        assert.equal(stored?.lastSessionId, stream.sessionId);
      });
    });

    describe('key reset', () => {
      it('makes the old hash unresolvable at once and the new one resolve', async () => {
        const store = await makeStore();
        const stream = await created(store);
        const newHash = hashStreamKey(generateStreamKey());
        await store.replaceKeyHash(stream.id, stream.keyHash, newHash, { ...stream, keyHash: newHash }, 1);
        assert.equal(await store.getByKeyHash(stream.keyHash), undefined);
        assert.equal((await store.getByKeyHash(newHash))?.id, stream.id);
        assert.equal((await store.get(stream.id))?.version, 2);
      });

      it('on a lost race changes nothing: the old key still works, the new one never does', async () => {
        const store = await makeStore();
        const stream = await created(store);
        await store.put({ ...stream, name: 'moved on' }, { expectedVersion: 1 });
        const newHash = hashStreamKey(generateStreamKey());
        await assert.rejects(store.replaceKeyHash(stream.id, stream.keyHash, newHash, { ...stream, keyHash: newHash }, 1), ConflictError);
        assert.equal((await store.getByKeyHash(stream.keyHash))?.id, stream.id);
        assert.equal(await store.getByKeyHash(newHash), undefined);
      });

      it('refuses a new key hash another stream already has', async () => {
        const store = await makeStore();
        const stream = await created(store);
        const other = await created(store);
        await assert.rejects(store.replaceKeyHash(stream.id, stream.keyHash, other.keyHash, { ...stream, keyHash: other.keyHash }, 1), DuplicateError);
        assert.equal((await store.getByKeyHash(other.keyHash))?.id, other.id);
        assert.equal((await store.getByKeyHash(stream.keyHash))?.id, stream.id);
      });
    });

    describe('delete', () => {
      it('removes the stream and its key, and returns it as it was', async () => {
        const store = await makeStore();
        const stream = await created(store);
        assert.deepEqual(await store.delete(stream.id), stream);
        assert.equal(await store.get(stream.id), undefined);
        assert.equal(await store.getByKeyHash(stream.keyHash), undefined);
        await assert.rejects(store.delete(stream.id), NotFoundError);
      });
    });

    describe('list', () => {
      it('pages newest first with an opaque cursor and no empty last page', async () => {
        const store = await makeStore();
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) ids.push((await created(store)).id);

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
      });

      it('merges a listing spread over many partitions: newest first, nothing twice, nothing skipped, at any page size', async () => {
        const store = await makeStore();
        // More streams than a sharded store has shards, so every page crosses shards.
        const ids: string[] = [];
        for (let i = 0; i < 40; i++) ids.push((await created(store)).id);
        const newestFirst = [...ids].reverse();
        for (const limit of [1, 6, 16, 17, 40]) {
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await store.list({ limit, ...(cursor ? { cursor } : {}) });
            seen.push(...page.items.map((s) => s.id));
            cursor = page.next;
            pages++;
          } while (cursor);
          assert.deepEqual(seen, newestFirst, `page size ${limit}`);
          assert.equal(pages, Math.ceil(40 / limit), `no empty last page at page size ${limit}`);
        }
        // A stream created after a cursor was taken is newer than its position: the cursor never shows it.
        const first = await store.list({ limit: 10 });
        const late = await created(store);
        const rest = await store.list({ limit: 100, cursor: first.next as string });
        assert.deepEqual(rest.items.map((s) => s.id), newestFirst.slice(10));
        assert.equal((await store.list({ limit: 1 })).items[0]?.id, late.id);
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
          const store = await makeStore();
          await assert.rejects(store.list({ limit: 5, cursor }), ValidationError);
        });
      }

      it('refuses an out-of-range limit', async () => {
        const store = await makeStore();
        await assert.rejects(store.list({ limit: 0 }), ValidationError);
        await assert.rejects(store.list({ limit: 1.5 }), ValidationError);
      });
    });

    describe('sequences', () => {
      it('count per stream from 1, independently; stream-less events get strictly increasing numbers', async () => {
        const store = await makeStore();
        const a = newId('stream');
        const b = newId('stream');
        assert.deepEqual([await store.nextSequence(a), await store.nextSequence(a), await store.nextSequence(b), await store.nextSequence(a)], [1, 2, 1, 3]);
        // Stream-less numbers need not be consecutive (a store may derive them from a clock to avoid one hot
        // counter item), only increasing and safe integers.
        const none: number[] = [];
        for (let i = 0; i < 50; i++) none.push(await store.nextSequence(null));
        for (let i = 1; i < none.length; i++) assert.ok((none[i] as number) > (none[i - 1] as number), `stream-less sequence ${none[i]} follows ${none[i - 1]}`);
        assert.ok(none.every(Number.isSafeInteger));
        assert.equal(await store.nextSequence(a), 4, 'stream-less numbers never touch a stream counter');
      });

      it('never hand out the same number twice under concurrency', async () => {
        const store = await makeStore();
        const id = newId('stream');
        const values = await Promise.all(Array.from({ length: 25 }, () => store.nextSequence(id)));
        assert.deepEqual([...values].sort((x, y) => x - y), Array.from({ length: 25 }, (_, i) => i + 1));
      });
    });
  });
}
