/**
 * The output lease's pure rules (core/leases/output-lease.ts): priority order, when a holder is told to
 * hand over, what release stores, and — over many random interleavings of claims, renewals and releases
 * by competing tasks — that nobody ever takes a lease another still holds and generations only increase.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAcquire, decideRelease, decideRenew, handOverRequested, isHeld, outranks } from '../../../../core/leases/output-lease';
import type { OutputLease, OutputPriority } from '../../../../core/ports/output-lease';

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms);
const lease = (fields: Partial<OutputLease> = {}): OutputLease => ({
  streamId: 'st_1',
  holder: 'task-1',
  priority: 'channel',
  generation: 4,
  acquiredAt: at(0),
  expiresAt: at(10_000),
  released: false,
  ...fields,
});

describe('output lease rules', () => {
  it('orders priorities live > backup > channel, strictly', () => {
    assert.ok(outranks('live', 'backup') && outranks('backup', 'channel') && outranks('live', 'channel'));
    assert.ok(!outranks('channel', 'backup') && !outranks('live', 'live'));
  });

  it('tells the holder to hand over only for a fresh request that outranks it', () => {
    const request = { claimant: 'task-2', priority: 'live' as const, expiresAt: at(5_000) };
    assert.equal(handOverRequested(lease({ request }), at(4_999)), true);
    assert.equal(handOverRequested(lease({ request }), at(5_000)), false, 'stale');
    assert.equal(handOverRequested(lease({ priority: 'live', request }), at(1_000)), false, 'equal priority');
  });

  it('releases by ending the lease now, keeping its generation and any request', () => {
    const request = { claimant: 'task-2', priority: 'live' as const, expiresAt: at(9_000) };
    const decision = decideRelease(lease({ request }), { streamId: 'st_1', holder: 'task-1', generation: 4 }, at(3_000));
    assert.deepEqual(decision.next, lease({ request, released: true, expiresAt: at(3_000) }));
    assert.equal(isHeld(decision.next, at(3_000)), false);
    assert.equal(decideRelease(lease(), { streamId: 'st_1', holder: 'task-1', generation: 3 }, at(3_000)).outcome, false);
  });

  it('drops a stale request on renewal and refuses a ttl that is not a positive whole number', () => {
    const stale = { claimant: 'task-2', priority: 'live' as const, expiresAt: at(1_000) };
    const renewed = decideRenew(lease({ request: stale }), { streamId: 'st_1', holder: 'task-1', generation: 4 }, 10_000, at(2_000));
    assert.equal(renewed.next?.request, undefined);
    assert.throws(() => decideAcquire(undefined, { streamId: 'st_1', claimant: 'x', priority: 'live', ttlMs: 0 }, at(0)), RangeError);
    assert.throws(() => decideRenew(lease(), { streamId: 'st_1', holder: 'task-1', generation: 4 }, 1.5, at(0)), RangeError);
  });

  it('never hands a held lease to another task, and only ever increases the generation, in random interleavings', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const tasks: Array<{ id: string; priority: OutputPriority }> = [
      { id: 'live-task', priority: 'live' },
      { id: 'backup-task', priority: 'backup' },
      { id: 'channel-1', priority: 'channel' },
      { id: 'channel-2', priority: 'channel' },
    ];
    for (let run = 0; run < 200; run++) {
      let stored: OutputLease | undefined;
      let now = 0;
      let lastGeneration = 0;
      for (let step = 0; step < 60; step++) {
        now += Math.floor(random() * 4_000);
        const task = tasks[Math.floor(random() * tasks.length)]!;
        const action = random();
        const ref = stored && { streamId: 'st_1', holder: task.id, generation: stored.generation };
        const before = stored;
        const decision =
          action < 0.5 || !ref
            ? decideAcquire(stored, { streamId: 'st_1', claimant: task.id, priority: task.priority, ttlMs: 5_000 }, at(now))
            : action < 0.8
              ? decideRenew(stored, ref, 5_000, at(now))
              : decideRelease(stored, ref, at(now));
        if (!decision.next) continue;
        stored = decision.next;
        if (before && stored.generation !== before.generation) {
          assert.ok(stored.generation > lastGeneration, 'generation increases');
          if (before.holder !== stored.holder) assert.ok(!isHeld(before, at(now)), `run ${run} step ${step}: taken from a live holder`);
        }
        lastGeneration = stored.generation;
      }
    }
  });
});
