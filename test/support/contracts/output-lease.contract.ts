/**
 * What every OutputLeaseStore must do (core/ports/output-lease.ts), run against the in-memory store and
 * the DynamoDB adapter on dynalite. The factory must return an empty, isolated store; each test uses its
 * own stream ids, so the tests of one describe may share it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LeaseClaim, OutputLease, OutputLeaseStore, OutputPriority } from '../../../core/ports/output-lease';

const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, seconds));
const TTL = 10_000;
const claim = (streamId: string, claimant: string, priority: OutputPriority = 'channel'): LeaseClaim => ({ streamId, claimant, priority, ttlMs: TTL });
const ref = (lease: OutputLease) => ({ streamId: lease.streamId, holder: lease.holder, generation: lease.generation });

async function acquired(store: OutputLeaseStore, c: LeaseClaim, now: Date): Promise<OutputLease> {
  const result = await store.acquire(c, now);
  assert.equal(result.outcome, 'acquired', `${c.claimant} should acquire ${c.streamId}`);
  return (result as { lease: OutputLease }).lease;
}

export function outputLeaseStoreContract(name: string, makeStore: () => Promise<OutputLeaseStore>): void {
  describe(`OutputLeaseStore contract: ${name}`, () => {
    let leases: OutputLeaseStore;
    before(async () => {
      leases = await makeStore();
    });

    it('gives a free lease to the first claimant at generation 1 and refuses everyone else of its priority', async () => {
      const lease = await acquired(leases, claim('st_a', 'task-1'), at(0));
      assert.deepEqual(lease, { streamId: 'st_a', holder: 'task-1', priority: 'channel', generation: 1, acquiredAt: at(0), expiresAt: at(10), released: false });
      assert.deepEqual(await leases.get('st_a'), lease);
      const other = await leases.acquire(claim('st_a', 'task-2'), at(5));
      assert.equal(other.outcome, 'busy');
      assert.equal((await leases.get('st_a'))?.holder, 'task-1');
      assert.equal(await leases.get('st_unknown'), undefined);
    });

    it('lets only the current generation renew, and only before it expires', async () => {
      const lease = await acquired(leases, claim('st_b', 'task-1'), at(0));
      const renewed = await leases.renew(ref(lease), TTL, at(8));
      assert.equal(renewed.outcome, 'renewed');
      assert.deepEqual(renewed.outcome === 'renewed' && [renewed.lease.expiresAt, renewed.handOverRequested], [at(18), false]);
      assert.equal((await leases.acquire(claim('st_b', 'task-2'), at(15))).outcome, 'busy', 'the renewal counts');
      assert.equal((await leases.renew({ ...ref(lease), holder: 'task-2' }, TTL, at(9))).outcome, 'lost');
      assert.equal((await leases.renew({ ...ref(lease), generation: 2 }, TTL, at(9))).outcome, 'lost');
      assert.equal((await leases.renew(ref(lease), TTL, at(18))).outcome, 'lost', 'expired at 18');
    });

    it('hands an expired lease to the next claimant with a higher generation; the old holder is fenced off', async () => {
      const first = await acquired(leases, claim('st_c', 'task-1'), at(0));
      const second = await acquired(leases, claim('st_c', 'task-2'), at(10));
      assert.equal(second.generation, first.generation + 1);
      assert.equal((await leases.renew(ref(first), TTL, at(11))).outcome, 'lost');
      assert.equal(await leases.release(ref(first), at(11)), false);
      assert.equal((await leases.get('st_c'))?.holder, 'task-2');
    });

    it('gives a new generation on every acquisition, also to the holder itself, and after a release', async () => {
      const one = await acquired(leases, claim('st_d', 'task-1'), at(0));
      const two = await acquired(leases, claim('st_d', 'task-1', 'live'), at(1));
      assert.deepEqual([two.generation, two.priority], [2, 'live']);
      assert.equal((await leases.renew(ref(one), TTL, at(2))).outcome, 'lost', 'the older generation is stale');
      assert.equal(await leases.release(ref(two), at(3)), true);
      assert.equal(await leases.release(ref(two), at(3)), false, 'once');
      const released = await leases.get('st_d');
      assert.deepEqual(released && [released.released, released.generation], [true, 2]);
      assert.equal((await leases.renew(ref(two), TTL, at(4))).outcome, 'lost', 'released is not renewable');
      const three = await acquired(leases, claim('st_d', 'task-2'), at(4));
      assert.equal(three.generation, 3);
    });

    it('records a higher-priority claim as a request the holder sees on renewal, and never lets it take the lease early', async () => {
      const channel = await acquired(leases, claim('st_e', 'task-1', 'channel'), at(0));
      const asked = await leases.acquire(claim('st_e', 'task-2', 'live'), at(2));
      assert.equal(asked.outcome, 'requested');
      assert.deepEqual(asked.outcome === 'requested' && asked.current.request, { claimant: 'task-2', priority: 'live', expiresAt: at(12) });
      assert.equal((await leases.acquire(claim('st_e', 'task-2', 'live'), at(3))).outcome, 'requested', 'still held: asking again only refreshes');
      const held = await leases.get('st_e');
      assert.deepEqual(held && [held.holder, held.generation], ['task-1', 1]);
      const renewed = await leases.renew(ref(channel), TTL, at(4));
      assert.deepEqual(renewed.outcome === 'renewed' && renewed.handOverRequested, true);
      assert.equal(await leases.release(ref(channel), at(5)), true, 'at the next segment boundary');
      assert.equal((await leases.acquire(claim('st_e', 'task-3', 'channel'), at(5))).outcome, 'busy', 'reserved for the live claimant');
      const live = await acquired(leases, claim('st_e', 'task-2', 'live'), at(6));
      assert.deepEqual([live.generation, live.request], [2, undefined]);
    });

    it('refuses a lower or equal claim while a higher request waits, and forgets a stale request', async () => {
      await acquired(leases, claim('st_f', 'task-1', 'channel'), at(0));
      assert.equal((await leases.acquire(claim('st_f', 'task-2', 'backup'), at(1))).outcome, 'requested');
      assert.equal((await leases.acquire(claim('st_f', 'task-3', 'backup'), at(2))).outcome, 'busy', 'an equal request was first');
      const live = await leases.acquire(claim('st_f', 'task-4', 'live'), at(3));
      assert.deepEqual(live.outcome === 'requested' && live.current.request?.claimant, 'task-4', 'a higher request replaces it');
      assert.equal((await leases.acquire(claim('st_f', 'task-1', 'channel'), at(4))).outcome, 'acquired', 'already ours');
      // Nobody renews: lease and request expire by 14; any claimant may then take it.
      const later = await acquired(leases, claim('st_f', 'task-5', 'channel'), at(30));
      assert.equal(later.request, undefined);
      assert.equal((await leases.acquire(claim('st_f', 'task-6', 'backup'), at(31))).outcome, 'requested');
      const renewed = await leases.renew(ref(later), TTL, at(45));
      assert.equal(renewed.outcome, 'lost', 'expired at 40');
    });

    it('lets exactly one of many simultaneous claimants take a free lease', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => leases.acquire(claim('st_g', `task-${i}`), at(0))));
      const winners = results.filter((r) => r.outcome === 'acquired');
      assert.equal(winners.length, 1);
      assert.equal(results.filter((r) => r.outcome === 'busy').length, 5);
      const stored = await leases.get('st_g');
      assert.deepEqual(stored && stored.generation, 1);
    });

    it('keeps the streams apart', async () => {
      await acquired(leases, claim('st_h1', 'task-1'), at(0));
      const other = await acquired(leases, claim('st_h2', 'task-2'), at(0));
      assert.equal(other.generation, 1);
    });
  });
}
