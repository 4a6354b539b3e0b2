/**
 * What every RecordingStore must do (core/ports/recording-store.ts), run against the in-memory fake and
 * the DynamoDB adapter on dynalite so the two cannot drift. `makeStore` must return an empty, isolated
 * store. Must never depend on how a store lays out its data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, ValidationError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import type { RecordingStore } from '../../../core/ports/recording-store';
import { recordingIdFor, type Recording } from '../../../core/recordings/recording';

function recording(streamId: string, createdAt: string, overrides: Partial<Recording> = {}): Recording {
  const sessionId = newId('session');
  return { id: recordingIdFor(sessionId), streamId, sessionId, status: 'recording', createdAt, updatedAt: createdAt, version: 1, ...overrides };
}

export function recordingStoreContract(name: string, makeStore: () => Promise<RecordingStore>): void {
  describe(`RecordingStore contract: ${name}`, () => {
    it('creates once, reads back exactly the model, and refuses stale writes', async () => {
      const store = await makeStore();
      const r = recording(newId('stream'), '2025-01-01T00:00:00.000Z', { mp4: { status: 'pending', requestedAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' } });
      assert.equal(await store.create(r), true);
      assert.equal(await store.create({ ...r, status: 'ready' }), false);
      assert.deepEqual(await store.get(r.id), r, 'no storage attributes, nothing added');

      await store.put({ ...r, status: 'finalizing' }, { expectedVersion: 1 });
      await assert.rejects(store.put({ ...r, status: 'ready' }, { expectedVersion: 1 }), ConflictError);
      await assert.rejects(store.put({ ...r, streamId: newId('stream'), status: 'ready' }, { expectedVersion: 2 }), ConflictError, 'a put cannot move a record to another stream');
      await assert.rejects(store.put({ ...r, sessionId: newId('session'), status: 'ready' }, { expectedVersion: 2 }), ConflictError, 'nor to another session');
      const stored = await store.get(r.id);
      assert.equal(stored?.status, 'finalizing');
      assert.equal(stored?.version, 2);

      await assert.rejects(store.delete(r.id, { expectedVersion: 1 }), ConflictError);
      await store.delete(r.id, { expectedVersion: 2 });
      assert.equal(await store.get(r.id), undefined);
      await store.delete(r.id, { expectedVersion: 2 }); // gone already: fine
      await assert.rejects(store.put({ ...r, status: 'ready' }, { expectedVersion: 2 }), ConflictError, 'a put does not resurrect a deleted record');
    });

    it('lists a stream’s recordings newest first, page by page, with cursors bound to the stream', async () => {
      const store = await makeStore();
      const streamId = newId('stream');
      const other = newId('stream');
      const made = [];
      for (let i = 0; i < 5; i++) {
        const r = recording(streamId, `2025-01-0${i + 1}T00:00:00.000Z`);
        await store.create(r);
        made.push(r.id);
      }
      await store.create(recording(other, '2025-01-09T00:00:00.000Z'));

      const first = await store.listByStream(streamId, { limit: 2 });
      const second = await store.listByStream(streamId, { limit: 2, cursor: first.next as string });
      const third = await store.listByStream(streamId, { limit: 2, cursor: second.next as string });

      assert.deepEqual([...first.items, ...second.items, ...third.items].map((r) => r.id), [...made].reverse());
      assert.equal(third.next, undefined);
      await assert.rejects(store.listByStream(other, { limit: 2, cursor: first.next as string }), ValidationError);
      await assert.rejects(store.listByStream(streamId, { limit: 2, cursor: 'bm90IGEgY3Vyc29y' }), ValidationError);
      await assert.rejects(store.listByStream(streamId, { limit: 0 }), ValidationError);
    });

    it('tells unsettled recordings from settled ones, and settled ones by age', async () => {
      const store = await makeStore();
      const streamId = newId('stream');
      const open = recording(streamId, '2024-06-01T00:00:00.000Z');
      const announcing = recording(streamId, '2024-06-02T00:00:00.000Z', { status: 'ready', announce: { token: 't', since: '2024-06-02T00:00:00.000Z' } });
      const old = recording(streamId, '2024-06-03T00:00:00.000Z', { status: 'ready' });
      const young = recording(streamId, '2024-06-20T00:00:00.000Z', { status: 'failed', failure: { reason: 'no media', retryable: false } });
      for (const r of [open, announcing, old, young]) await store.create(r);

      const unsettled = (await store.listUnsettled({ limit: 100 })).items.map((r) => r.id);
      const settledBefore = (await store.listSettledCreatedBefore(new Date('2024-06-10T00:00:00.000Z'), { limit: 100 })).items.map((r) => r.id);

      assert.deepEqual(unsettled, [open.id, announcing.id], 'oldest first');
      assert.deepEqual(settledBefore, [old.id]);

      // Once its event is out, it moves to the settled side.
      const { announce: _sent, ...settled } = announcing;
      await store.put(settled, { expectedVersion: 1 });
      assert.ok(!(await store.listUnsettled({ limit: 100 })).items.some((r) => r.id === announcing.id));
      const page = await store.listSettledCreatedBefore(new Date('2024-06-10T00:00:00.000Z'), { limit: 1 });
      assert.equal(page.items.length, 1);
      const rest = await store.listSettledCreatedBefore(new Date('2024-06-10T00:00:00.000Z'), { limit: 1, cursor: page.next as string });
      assert.deepEqual([...page.items, ...rest.items].map((r) => r.id), [announcing.id, old.id]);
      await assert.rejects(store.listUnsettled({ limit: 1, cursor: page.next as string }), ValidationError, 'a settled-listing cursor does not page the unsettled one');
      await assert.rejects(store.listUnsettled({ limit: 1001 }), ValidationError);
    });
  });
}
