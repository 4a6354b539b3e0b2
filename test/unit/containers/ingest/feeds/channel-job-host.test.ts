/**
 * The channel job host's lease guard on its own: renewal apart from the looks, self-fencing once the last
 * successful renewal is ⅔ ttl old — with the store unreachable (calls that never answer), so the fence can
 * read nothing — the job forgotten rather than deleted, the hand-over path, and a close() that stays
 * bounded against a store that never answers. Memory lease store, real (short) timers, waitFor deadlines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryOutputLeaseStore } from '../../../../../adapters/memory-output-lease';
import { ChannelJobHost, FENCE_AFTER_TTL_SHARE } from '../../../../../containers/ingest/src/feeds/channel-job-host';
import type { JobSettlement } from '../../../../../containers/ingest/src/jobs/held-job-consumer';
import { systemClock } from '../../../../../core/ports/clock';
import { silentLogger } from '../../../../../core/ports/logger';
import type { OutputLeaseStore } from '../../../../../core/ports/output-lease';
import type { Stream } from '../../../../../core/streams/stream';
import { waitFor } from '../../../../support/wait';

const TTL_MS = 600;
const STREAM = 'st_channel';
const never = <T>() => new Promise<T>(() => undefined);

function harness() {
  const memory = new MemoryOutputLeaseStore();
  let cut = false;
  const leases: OutputLeaseStore = {
    acquire: (claim, now) => (cut ? never() : memory.acquire(claim, now)),
    renew: (ref, ttl, now) => (cut ? never() : memory.renew(ref, ttl, now)),
    release: (ref, now) => (cut ? never() : memory.release(ref, now)),
    get: (streamId) => (cut ? never() : memory.get(streamId)),
  };
  const log: string[] = [];
  const settled: JobSettlement[] = [];
  const stream = { id: STREAM, status: 'idle', latencyMode: 'normal' } as unknown as Stream;
  const host = new ChannelJobHost({
    taskId: 'task-1',
    leases,
    streams: { get: async () => (cut ? never() : stream) },
    media: { resolve: async () => (cut ? never() : { fallback: { items: [{ mediaId: 'm', objectKey: 'k', kind: 'video', durationSeconds: 4 }], order: 'sequential' }, slate: null, reconnectSlate: false }) },
    sync: async () => void log.push(`sync:${host.hosts(STREAM)}`),
    fence: async () => void log.push('fence'),
    settle: (_id, how) => void settled.push(how),
    clock: systemClock,
    ttlMs: TTL_MS,
    tickMs: 50,
    maxChannels: 2,
    logger: silentLogger,
  });
  return { host, memory, log, settled, cutNetwork: () => (cut = true) };
}

const job = { streamId: STREAM, requestedAt: new Date().toISOString(), reason: 'fallback_configured' as const };

describe('channel job host: the lease guard', () => {
  it('keeps renewing while it plays, well past the ttl', async () => {
    const { host, memory, log } = harness();
    host.start();
    assert.equal(await host.submit(job), 'held');
    assert.ok(host.hosts(STREAM));
    const first = await memory.get(STREAM);
    await waitFor('renewals past the first ttl', async () => ((await memory.get(STREAM))?.expiresAt.getTime() ?? 0) > (first?.expiresAt.getTime() ?? 0) + TTL_MS, { timeoutMs: 10_000 });
    assert.equal((await memory.get(STREAM))?.generation, first?.generation, 'the same generation throughout');
    assert.ok(!log.includes('fence'));
    await host.close();
  });

  it('fences itself when the store stops answering: before the lease expires, without reading it, and forgets the job', async () => {
    const { host, memory, log, settled, cutNetwork } = harness();
    host.start();
    await host.submit(job);
    const held = await memory.get(STREAM);
    cutNetwork();
    const cutAt = Date.now();
    const fencedAt = await waitFor('the fence', () => host.fencedAt(STREAM), { timeoutMs: 10_000 });
    assert.ok(log.includes('fence'), 'the director was told to stop the feed');
    assert.equal(host.hosts(STREAM), false);
    assert.deepEqual(settled, ['lost'], 'the job is forgotten (not deleted, not handed back)');
    // The store never answered after the cut: the last expiry it holds is the one of the last renewal.
    const expiry = (await memory.get(STREAM))?.expiresAt.getTime() ?? 0;
    assert.ok(fencedAt.getTime() < expiry, `fenced ${fencedAt.getTime() - expiry} ms after the lease expired`);
    assert.ok(fencedAt.getTime() - cutAt < TTL_MS, 'within a ttl of the cut');
    assert.ok(expiry - fencedAt.getTime() <= TTL_MS * (1 - FENCE_AFTER_TTL_SHARE) + 200, 'not long before ⅔ ttl after the last renewal');
    assert.equal(held?.holder, 'task-1:channel');
    assert.equal(host.capacity, 2, 'the slot is free again');
    await host.close();
  });

  it('hands over to a live claimant: stops the feed, then releases', async () => {
    const { host, memory, log } = harness();
    host.start();
    await host.submit(job);
    const claim = { streamId: STREAM, claimant: 'task-2:live', priority: 'live' as const, ttlMs: TTL_MS };
    assert.equal((await memory.acquire(claim, new Date())).outcome, 'requested');
    const taken = await waitFor('the live claim acquiring', async () => {
      const result = await memory.acquire(claim, new Date());
      return result.outcome === 'acquired' ? result.lease : undefined;
    }, { timeoutMs: 10_000 });
    assert.ok(taken.generation > 1);
    assert.equal(host.hosts(STREAM), false);
    assert.ok(log.includes('sync:false'), 'the feed was stopped before the release');
    assert.ok(!log.includes('fence'));
    await host.close();
  });

  it('closes within a bound when the store never answers', async () => {
    const { host, settled, cutNetwork } = harness();
    host.start();
    await host.submit(job);
    cutNetwork();
    const started = Date.now();
    await host.close();
    assert.ok(Date.now() - started < 5 * TTL_MS + 2_000, 'close() returned');
    assert.equal(settled.length, 1);
  });
});
