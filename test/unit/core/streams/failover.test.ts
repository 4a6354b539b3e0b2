/**
 * Failover of lost ingest tasks: the streams a lost task carried are interrupted (or ended at once when
 * they have no reconnect window), their sessions end when the window runs out unless the encoder came
 * back, and nothing that moved on — reconnected elsewhere, ended through the API, deleted — is touched.
 * Every step may run twice without harm.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { expireReconnectWindows, recoverLostTask, sweepIngestTasks, type FailoverDeps } from '../../../../core/streams/failover';
import { authorizePublish, markLive } from '../../../../core/streams/publish-session';
import { createStream, deleteStream, endStreamNow } from '../../../../core/streams/stream-registry';
import { MemoryDeadlines, MemoryHeartbeats } from '../../../support/memory-failover-stores';
import { MemoryStreamStore } from '../../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../../support/recorded-events';

const SETTINGS = { staleAfterMs: 60_000 };
const DECISION = { topRung: 'encode' as const, reason: 'test', renditions: [{ name: '720p', width: 1280, height: 720, bandwidth: 3_000_000, codecs: 'avc1.64001f,mp4a.40.2' }] };

let clock: ManualClock;
let store: MemoryStreamStore;
let heartbeats: MemoryHeartbeats;
let deadlines: MemoryDeadlines;
let events: ReturnType<typeof recordingEmitter>['events'];
let deps: FailoverDeps;

beforeEach(() => {
  clock = new ManualClock();
  store = new MemoryStreamStore();
  heartbeats = new MemoryHeartbeats();
  deadlines = new MemoryDeadlines();
  const recorder = recordingEmitter(store, clock);
  events = recorder.events;
  deps = { store, emit: recorder.emit, clock, heartbeats, deadlines };
});

/** A live stream on `taskId`, as the ingest would have left it. */
async function liveStream(taskId: string, reconnectWindowSeconds = 60): Promise<{ id: string; sessionId: string; key: string }> {
  const { stream, streamKey } = await createStream(deps, { name: 'cam', reconnectWindowSeconds });
  const decision = await authorizePublish(deps, { app: 'live', streamKey, remoteAddress: '203.0.113.1' });
  assert.ok(decision.allowed);
  await markLive(deps, stream.id, decision.sessionId, DECISION, `https://cdn/live/${stream.id}/master.m3u8`);
  const carried = (await heartbeats.get(taskId))?.streamIds ?? [];
  await heartbeats.beat(taskId, [...carried, stream.id], clock.now());
  return { id: stream.id, sessionId: decision.sessionId, key: streamKey };
}

const typesSince = (from: number) => events.slice(from).map((e) => `${e.type}${e.type === 'stream.ended' || e.type === 'stream.interrupted' ? `:${(e.data as { reason: string }).reason}` : ''}`);

describe('recovering a lost task', () => {
  it('interrupts every stream the task carried, opens their reconnect windows and forgets the task', async () => {
    const a = await liveStream('task-1');
    const b = await liveStream('task-1', 120);
    const before = events.length;
    clock.advance(5_000);

    const report = await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);

    assert.equal(report.status, 'recovered');
    assert.deepEqual(report.streams.map((s) => s.outcome), ['interrupted', 'interrupted']);
    assert.equal((await store.get(a.id))?.status, 'interrupted');
    assert.equal((await store.get(a.id))?.sessionId, a.sessionId);
    assert.deepEqual(typesSince(before), ['stream.interrupted:task_lost', 'stream.interrupted:task_lost']);
    assert.deepEqual((await deadlines.listDue(new Date(8_000_000_000_000))).map((d) => [d.streamId, d.endAfter.getTime() - clock.now().getTime()]), [
      [a.id, 60_000],
      [b.id, 120_000],
    ]);
    assert.equal(await heartbeats.get('task-1'), undefined);
  });

  it('ends the sessions whose window runs out, with reason task_lost', async () => {
    const a = await liveStream('task-1');
    await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    clock.advance(59_000);
    assert.deepEqual(await expireReconnectWindows(deps), []);
    clock.advance(1_000);
    const before = events.length;

    assert.deepEqual(await expireReconnectWindows(deps), [{ streamId: a.id, outcome: 'ended' }]);
    const ended = await store.get(a.id);
    assert.equal(ended?.status, 'ended');
    assert.equal(ended?.sessionId, undefined);
    assert.equal(ended?.lastSessionId, a.sessionId);
    assert.deepEqual(typesSince(before), ['stream.ended:task_lost']);
    assert.equal(events.at(-1)?.sessionId, a.sessionId);
    assert.deepEqual(await deadlines.listDue(clock.now()), []);
  });

  it('lets an encoder that reconnects inside the window continue its session', async () => {
    const a = await liveStream('task-1');
    await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    clock.advance(10_000);
    const again = await authorizePublish(deps, { app: 'live', streamKey: a.key, remoteAddress: '203.0.113.1' });
    assert.ok(again.allowed && again.reconnect && again.sessionId === a.sessionId);
    clock.advance(60_000);
    const before = events.length;

    assert.deepEqual(await expireReconnectWindows(deps), [{ streamId: a.id, outcome: 'moved_on' }]);
    assert.equal((await store.get(a.id))?.status, 'connected');
    assert.deepEqual(typesSince(before), []);
  });

  it('does not end a session that was interrupted again later by a healthy task', async () => {
    const a = await liveStream('task-1');
    await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    await authorizePublish(deps, { app: 'live', streamKey: a.key });
    // The second ingest loses the encoder 50 s later and runs its own window timer.
    clock.advance(50_000);
    const { publisherGone } = await import('../../../../core/streams/publish-session');
    await publisherGone(deps, a.id, a.sessionId, 'publisher_gone');
    clock.advance(15_000);
    assert.deepEqual(await expireReconnectWindows(deps), [{ streamId: a.id, outcome: 'moved_on' }]);
    assert.equal((await store.get(a.id))?.status, 'interrupted');
  });

  it('ends at once the streams that have no reconnect window', async () => {
    const a = await liveStream('task-1', 0);
    const before = events.length;
    const report = await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    assert.deepEqual(report.streams, [{ streamId: a.id, outcome: 'ended' }]);
    assert.equal((await store.get(a.id))?.status, 'ended');
    assert.deepEqual(typesSince(before), ['stream.ended:task_lost']);
    assert.deepEqual(await deadlines.listDue(new Date(8_000_000_000_000)), []);
  });

  it('leaves alone a stream another live task reports carrying', async () => {
    const a = await liveStream('task-1');
    await heartbeats.beat('task-2', [a.id], clock.now());
    const before = events.length;
    const report = await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    assert.deepEqual(report.streams, [{ streamId: a.id, outcome: 'carried_elsewhere' }]);
    assert.equal((await store.get(a.id))?.status, 'live');
    assert.deepEqual(typesSince(before), []);
  });

  it('only schedules the end of a stream that was already interrupted when its task died', async () => {
    const a = await liveStream('task-1');
    const { publisherGone } = await import('../../../../core/streams/publish-session');
    await publisherGone(deps, a.id, a.sessionId, 'publisher_gone');
    const interruptedAt = clock.now().getTime();
    clock.advance(30_000);
    const report = await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    assert.deepEqual(report.streams, [{ streamId: a.id, outcome: 'already_interrupted' }]);
    assert.equal((await deadlines.listDue(new Date(8_000_000_000_000)))[0]?.endAfter.getTime(), interruptedAt + 60_000);
  });

  it('skips streams without an open session (ended through the API, deleted)', async () => {
    const a = await liveStream('task-1');
    const b = await liveStream('task-1');
    await endStreamNow(deps, a.id);
    await deleteStream(deps, b.id);
    const before = events.length;
    const report = await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    assert.deepEqual(report.streams.map((s) => s.outcome), ['no_open_session', 'no_open_session']);
    assert.deepEqual(typesSince(before), []);
  });

  it('does nothing for a task it already recovered (a duplicated event)', async () => {
    await liveStream('task-1');
    await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    const before = events.length;
    assert.deepEqual(await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS), { taskId: 'task-1', cause: 'task_stopped', status: 'no_heartbeat', streams: [] });
    assert.deepEqual(typesSince(before), []);
  });

  it('keeps the heartbeat when a stream could not be recovered, so the next try retries it', async () => {
    const a = await liveStream('task-1');
    const b = await liveStream('task-1');
    const get = store.get.bind(store);
    let failed = false;
    store.get = async (id) => {
      if (id === a.id && !failed) {
        failed = true;
        throw new Error('throttled');
      }
      return get(id);
    };
    const first = await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    assert.equal(first.status, 'incomplete');
    assert.deepEqual(first.streams.map((s) => s.outcome), ['failed', 'interrupted']);
    assert.ok(await heartbeats.get('task-1'));

    const second = await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    assert.equal(second.status, 'recovered');
    assert.deepEqual(second.streams, [
      { streamId: a.id, outcome: 'interrupted' },
      { streamId: b.id, outcome: 'already_interrupted' },
    ]);
  });

  it('ignores a deadline whose stream was deleted meanwhile', async () => {
    const a = await liveStream('task-1');
    await recoverLostTask(deps, 'task-1', 'task_stopped', SETTINGS);
    await deleteStream(deps, a.id);
    clock.advance(61_000);
    assert.deepEqual(await expireReconnectWindows(deps), [{ streamId: a.id, outcome: 'moved_on' }]);
    assert.equal(deadlines.deadlines.size, 0);
  });
});

describe('the scheduled sweep', () => {
  it('recovers tasks whose heartbeat went stale and leaves beating tasks alone', async () => {
    const lost = await liveStream('task-lost');
    clock.advance(30_000);
    const alive = await liveStream('task-alive');
    clock.advance(31_000);
    await heartbeats.beat('task-alive', [alive.id], clock.now());

    const { lostTasks } = await sweepIngestTasks(deps, SETTINGS);

    assert.deepEqual(lostTasks.map((t) => [t.taskId, t.status]), [['task-lost', 'recovered']]);
    assert.equal((await store.get(lost.id))?.status, 'interrupted');
    assert.equal((await store.get(alive.id))?.status, 'live');
  });

  it('treats a task that beat again after the listing as alive', async () => {
    await liveStream('task-1');
    clock.advance(61_000);
    const listStale = heartbeats.listStale.bind(heartbeats);
    heartbeats.listStale = async (olderThan) => {
      const stale = await listStale(olderThan);
      await heartbeats.beat('task-1', (await heartbeats.get('task-1'))?.streamIds ?? [], clock.now());
      return stale;
    };
    const { lostTasks } = await sweepIngestTasks(deps, SETTINGS);
    assert.deepEqual(lostTasks.map((t) => t.status), ['alive']);
  });

  it('enforces due deadlines in the same run, including one it just recorded', async () => {
    // The encoder dropped (the task interrupted the stream itself), then the task died before its timer fired.
    const a = await liveStream('task-1', 30);
    const { publisherGone } = await import('../../../../core/streams/publish-session');
    await publisherGone(deps, a.id, a.sessionId, 'publisher_gone');
    clock.advance(90_000);
    const { lostTasks, expiries } = await sweepIngestTasks(deps, SETTINGS);
    assert.deepEqual(lostTasks.map((t) => t.streams.map((s) => s.outcome)), [['already_interrupted']]);
    assert.deepEqual(expiries, [{ streamId: a.id, outcome: 'ended' }]);
    assert.equal((await store.get(a.id))?.status, 'ended');
  });
});
