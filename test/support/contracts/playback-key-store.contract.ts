/**
 * What every PlaybackKeyStore must do (core/ports/playback-key-store.ts): keys are created once, read
 * back exactly (public part only), listed oldest first and deleted once; revocations replace the
 * previous one of their viewer and drop out of the listing once their `until` passed. Run against the
 * in-memory fake and the DynamoDB adapter on dynalite; `makeStore` returns an empty, isolated store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateError } from '../../../core/errors';
import { generatePlaybackKeyPair, newRevocation } from '../../../core/playback/playback-key';
import type { PlaybackKeyStore } from '../../../core/ports/playback-key-store';

export function playbackKeyStoreContract(name: string, makeStore: () => Promise<PlaybackKeyStore>): void {
  describe(`PlaybackKeyStore contract: ${name}`, () => {
    it('creates a key once, reads it back, lists oldest first and deletes it once', async () => {
      const store = await makeStore();
      const a = generatePlaybackKeyPair(new Date('2025-01-01T00:00:00Z')).key;
      const b = generatePlaybackKeyPair(new Date('2025-01-02T00:00:00Z')).key;
      await store.createKey(b);
      await store.createKey(a);
      await assert.rejects(store.createKey(a), DuplicateError);
      assert.deepEqual(await store.getKey(a.id), a);
      assert.deepEqual((await store.listKeys()).map((k) => k.id), [a.id, b.id]);
      assert.equal(await store.deleteKey(a.id), true);
      assert.equal(await store.deleteKey(a.id), false);
      assert.equal(await store.getKey(a.id), undefined);
      assert.deepEqual((await store.listKeys()).map((k) => k.id), [b.id]);
    });

    it('keeps one revocation per viewer and lists only those still in force', async () => {
      const store = await makeStore();
      const now = new Date('2025-01-01T00:00:00Z');
      await store.putRevocation(newRevocation({ viewerId: 'alice', until: '2025-01-01T01:00:00Z' }, now));
      await store.putRevocation(newRevocation({ viewerId: 'alice', until: '2025-01-02T00:00:00Z' }, now));
      await store.putRevocation(newRevocation({ viewerId: 'bob', until: '2025-01-01T00:00:30Z' }, now));
      assert.equal((await store.getRevocation('alice'))?.until, '2025-01-02T00:00:00.000Z');
      assert.equal(await store.getRevocation('carol'), undefined);
      assert.deepEqual((await store.listRevocations(new Date('2025-01-01T00:01:00Z'))).map((r) => r.viewerId), ['alice']);
    });
  });
}
