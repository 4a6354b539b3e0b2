/**
 * Failover of a lost task whose stream has its other encoder in standby on a live task: the lost feed is
 * recorded absent (the standby's task follows at once) and the lost task's output lease released; with no
 * fresh standby report elsewhere, or a lease another task holds, nothing is handed over or released.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { MemoryBackupFeedReports } from '../../../../adapters/memory-backup-feed-reports';
import { MemoryOutputLeaseStore } from '../../../../adapters/memory-output-lease';
import { handToStandby, type BackupFailoverDeps } from '../../../../core/channels/backup-failover';
import { leaseHolder } from '../../../../core/leases/output-lease';
import { eventEmitter } from '../../../../core/events/emit-event';
import { authorizePublish, markLive } from '../../../../core/streams/publish-session';
import { createStream } from '../../../../core/streams/stream-registry';
import { feedsView } from '../../../../core/streams/feed-view';
import { MemoryStreamStore } from '../../../support/memory-stream-store';
import { ManualClock } from '../../../support/recorded-events';

describe('failover to a standby on a live task', () => {
  let deps: BackupFailoverDeps;
  let clock: ManualClock;
  let reports: MemoryBackupFeedReports;
  let leases: MemoryOutputLeaseStore;

  beforeEach(() => {
    const store = new MemoryStreamStore();
    clock = new ManualClock();
    reports = new MemoryBackupFeedReports();
    leases = new MemoryOutputLeaseStore();
    deps = { store, clock, emit: eventEmitter({ store, clock, publisher: { publish: async () => undefined } }), reports, leases };
  });

  async function primaryOnAWithBackupStandby() {
    const { stream, streamKey } = await createStream(deps, { name: 'show' });
    const primary = await authorizePublish(deps, { app: 'live', streamKey });
    assert.ok(primary.allowed);
    await markLive(deps, stream.id, primary.sessionId, { topRung: 'encode', reason: 't', renditions: [] }, 'http://x');
    assert.ok((await authorizePublish(deps, { app: 'live-backup', streamKey })).allowed);
    await leases.acquire({ streamId: stream.id, claimant: leaseHolder('task-a', 'live'), priority: 'live', ttlMs: 60_000 }, clock.now());
    return { streamId: stream.id, sessionId: primary.sessionId };
  }

  it('records the lost feed absent and releases the lost task\'s lease when the standby reports from a live task', async () => {
    const { streamId, sessionId } = await primaryOnAWithBackupStandby();
    await reports.report({ streamId, sessionId, role: 'backup', taskId: 'task-b', healthy: true, steadyForMs: 3_000, reportedAt: clock.now() });
    clock.advance(1_000);
    assert.equal(await handToStandby(deps, (await deps.store.get(streamId))!, 'task-a'), true);
    const stream = await deps.store.get(streamId);
    assert.equal(stream?.status, 'live');
    assert.deepEqual(feedsView(stream!).map((f) => `${f.role}:${f.state}`), ['primary:absent', 'backup:standby']);
    assert.equal((await leases.get(streamId))?.released, true);
    const next = await leases.acquire({ streamId, claimant: leaseHolder('task-b', 'live'), priority: 'live', ttlMs: 60_000 }, clock.now());
    assert.equal(next.outcome, 'acquired', 'the standby\'s task takes the lease at once');
  });

  it('hands nothing over when the standby\'s report is stale or from the lost task itself', async () => {
    const { streamId, sessionId } = await primaryOnAWithBackupStandby();
    await reports.report({ streamId, sessionId, role: 'backup', taskId: 'task-b', healthy: true, steadyForMs: 3_000, reportedAt: clock.now() });
    clock.advance(10_000);
    assert.equal(await handToStandby(deps, (await deps.store.get(streamId))!, 'task-a'), false, 'stale');
    await reports.report({ streamId, sessionId, role: 'backup', taskId: 'task-a', healthy: true, steadyForMs: 3_000, reportedAt: clock.now() });
    assert.equal(await handToStandby(deps, (await deps.store.get(streamId))!, 'task-a'), false, 'both feeds were on the lost task');
    assert.equal((await leases.get(streamId))?.released, false);
    assert.deepEqual(feedsView((await deps.store.get(streamId))!).map((f) => f.state), ['active', 'standby']);
  });

  it('never releases a lease another task holds', async () => {
    const { streamId, sessionId } = await primaryOnAWithBackupStandby();
    const lease = await leases.get(streamId);
    await leases.release({ streamId, holder: lease!.holder, generation: lease!.generation }, clock.now());
    await leases.acquire({ streamId, claimant: leaseHolder('task-c', 'live'), priority: 'live', ttlMs: 60_000 }, clock.now());
    await reports.report({ streamId, sessionId, role: 'backup', taskId: 'task-b', healthy: true, steadyForMs: 3_000, reportedAt: clock.now() });
    assert.equal(await handToStandby(deps, (await deps.store.get(streamId))!, 'task-a'), true);
    const after = await leases.get(streamId);
    assert.equal(after?.holder, leaseHolder('task-c', 'live'));
    assert.equal(after?.released, false);
  });
});
