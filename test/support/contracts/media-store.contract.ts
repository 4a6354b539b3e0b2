/**
 * What every MediaStore must do (core/ports/media-store.ts), run against the in-memory fake and the
 * DynamoDB adapter on dynalite so the two cannot drift. `makeStore` must return an empty, isolated store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, ValidationError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { libraryObjectKey } from '../../../core/media/layout';
import type { MediaItem } from '../../../core/media-library/media-item';
import type { MediaStore } from '../../../core/ports/media-store';

function item(createdAt: string, overrides: Partial<MediaItem> = {}): MediaItem {
  const id = newId('media');
  return { id, name: `file ${id}`, status: 'uploading', objectKey: libraryObjectKey(id), uploadExpiresAt: createdAt, createdAt, updatedAt: createdAt, version: 1, ...overrides };
}

export function mediaStoreContract(name: string, makeStore: () => Promise<MediaStore>): void {
  describe(`MediaStore contract: ${name}`, () => {
    it('creates once, reads back exactly the model, and refuses stale writes', async () => {
      const store = await makeStore();
      const m = item('2025-01-01T00:00:00.000Z');
      assert.equal(await store.create(m), true);
      assert.equal(await store.create({ ...m, name: 'other' }), false);
      assert.deepEqual(await store.get(m.id), m, 'no storage attributes, nothing added');

      const ready: MediaItem = { ...m, status: 'ready', kind: 'audio', durationSeconds: 12.5, codecs: ['aac'], bytes: 1234 };
      await store.put(ready, { expectedVersion: 1 });
      await assert.rejects(store.put({ ...m, status: 'failed', error: 'x' }, { expectedVersion: 1 }), ConflictError);
      assert.deepEqual(await store.get(m.id), { ...ready, version: 2 });

      await store.delete(m.id);
      assert.equal(await store.get(m.id), undefined);
      await store.delete(m.id); // gone already: fine
      await assert.rejects(store.put(ready, { expectedVersion: 2 }), ConflictError, 'a put does not resurrect a deleted item');
    });

    it('lists newest first, page by page, and refuses a forged cursor', async () => {
      const store = await makeStore();
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        const m = item(`2025-01-0${i + 1}T00:00:00.000Z`);
        await store.create(m);
        made.push(m.id);
      }
      const first = await store.list({ limit: 2 });
      const second = await store.list({ limit: 2, cursor: first.next as string });
      const third = await store.list({ limit: 2, cursor: second.next as string });
      assert.deepEqual([...first.items, ...second.items, ...third.items].map((m) => m.id), [...made].reverse());
      assert.equal(third.next, undefined);
      await assert.rejects(store.list({ limit: 2, cursor: 'bm90LWEtY3Vyc29y' }), ValidationError);
      await assert.rejects(store.list({ limit: 0 }), ValidationError);
    });
  });
}
