/**
 * What every SimulcastTargetStore must do (core/ports/simulcast-target-store.ts): targets are created
 * once, read back exactly, listed per stream oldest first, changed field by field (the key ciphertext
 * replaced or removed), given status writes that never resurrect a deleted target, and deleted once.
 * Run against the in-memory store and the DynamoDB adapter on dynalite; `makeStore` returns an empty store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import type { SimulcastTargetStore } from '../../../core/ports/simulcast-target-store';
import type { SimulcastTarget } from '../../../core/relays/target';

function target(streamId: string, createdAt: string, extra: Partial<SimulcastTarget> = {}): SimulcastTarget {
  return { id: newId('simulcastTarget'), streamId, name: 'youtube', url: 'rtmp://a.example.com/live2', enabled: true, status: 'idle', createdAt, updatedAt: createdAt, ...extra };
}

export function simulcastTargetStoreContract(name: string, makeStore: () => Promise<SimulcastTargetStore>): void {
  describe(`SimulcastTargetStore contract: ${name}`, () => {
    it('creates a target once, reads it back exactly and lists a stream\'s targets oldest first', async () => {
      const store = await makeStore();
      const streamId = newId('stream');
      const other = newId('stream');
      const b = target(streamId, '2025-01-02T00:00:00.000Z', { encryptedKey: 'v1.a.b.c' });
      const a = target(streamId, '2025-01-01T00:00:00.000Z');
      const elsewhere = target(other, '2025-01-01T00:00:00.000Z');
      await store.create(b);
      await store.create(a);
      await store.create(elsewhere);
      await assert.rejects(store.create(a), DuplicateError);
      assert.deepEqual(await store.get(streamId, b.id), b);
      assert.equal(await store.get(other, b.id), undefined, 'a target is found only under its own stream');
      assert.deepEqual((await store.list(streamId)).map((t) => t.id), [a.id, b.id]);
      assert.deepEqual((await store.list(other)).map((t) => t.id), [elsewhere.id]);
    });

    it('changes only the given fields, replaces or removes the key ciphertext, and answers undefined for a missing target', async () => {
      const store = await makeStore();
      const t = target(newId('stream'), '2025-01-01T00:00:00.000Z', { encryptedKey: 'v1.old' });
      await store.create(t);
      const renamed = await store.update(t.streamId, t.id, { name: 'twitch', enabled: false, encryptedKey: 'v1.new' }, '2025-01-01T00:01:00.000Z');
      assert.deepEqual(renamed, { ...t, name: 'twitch', enabled: false, encryptedKey: 'v1.new', updatedAt: '2025-01-01T00:01:00.000Z' });
      const keyless = await store.update(t.streamId, t.id, { encryptedKey: null }, '2025-01-01T00:02:00.000Z');
      assert.equal(keyless?.encryptedKey, undefined);
      assert.equal('encryptedKey' in (await store.get(t.streamId, t.id))!, false);
      assert.equal(await store.update(t.streamId, newId('simulcastTarget'), { name: 'x' }, '2025-01-01T00:03:00.000Z'), undefined);
    });

    it('records status and lastError, clears lastError on request, and never resurrects a deleted target', async () => {
      const store = await makeStore();
      const t = target(newId('stream'), '2025-01-01T00:00:00.000Z');
      await store.create(t);
      assert.equal(await store.setStatus(t.streamId, t.id, { status: 'errored', lastError: 'connection refused' }, '2025-01-01T00:00:01.000Z'), true);
      assert.deepEqual({ ...(await store.get(t.streamId, t.id)) }, { ...t, status: 'errored', lastError: 'connection refused', updatedAt: '2025-01-01T00:00:01.000Z' });
      await store.setStatus(t.streamId, t.id, { status: 'broadcasting' }, '2025-01-01T00:00:02.000Z');
      assert.equal((await store.get(t.streamId, t.id))?.lastError, 'connection refused', 'absent lastError keeps it');
      await store.setStatus(t.streamId, t.id, { status: 'broadcasting', lastError: null }, '2025-01-01T00:00:03.000Z');
      assert.equal((await store.get(t.streamId, t.id))?.lastError, undefined);
      assert.equal(await store.delete(t.streamId, t.id), true);
      assert.equal(await store.delete(t.streamId, t.id), false);
      assert.equal(await store.setStatus(t.streamId, t.id, { status: 'idle' }, '2025-01-01T00:00:04.000Z'), false);
      assert.equal(await store.get(t.streamId, t.id), undefined);
      assert.deepEqual(await store.list(t.streamId), []);
    });
  });
}
