/**
 * Backup ingest at the publish gate and on the stream record: the second encoder (other app, same key)
 * joins the open session as standby, a third is refused `already_publishing`, the feeds show on the
 * stream, and only the last encoder to leave lets the session be interrupted.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { eventEmitter } from '../../../../core/events/emit-event';
import type { StreamplaneEvent } from '../../../../core/events/catalog';
import { authorizePublish, markLive, publisherGone, type SessionDeps } from '../../../../core/streams/publish-session';
import { createStream, updateStream } from '../../../../core/streams/stream-registry';
import { feedsView, leaveFeed, recordTakeover } from '../../../../core/streams/stream-feeds';
import { toStreamView } from '../../../../core/streams/stream';
import { updateStreamInput } from '../../../../core/streams/stream-input';
import { MemoryStreamStore } from '../../../support/memory-stream-store';

const urls = { rtmpServer: 'rtmp://h:1935/live', playbackBase: 'http://h/hls' };

describe('backup ingest feeds', () => {
  let deps: SessionDeps;
  let store: MemoryStreamStore;
  let events: StreamplaneEvent[];

  beforeEach(() => {
    store = new MemoryStreamStore();
    events = [];
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    deps = { store, clock, emit: eventEmitter({ store, clock, publisher: { publish: async (e) => void events.push(e) } }) };
  });

  it('lets the backup join the open session as standby and refuses a third encoder on either app', async () => {
    const { stream, streamKey } = await createStream(deps, { name: 'show' });
    const primary = await authorizePublish(deps, { app: 'live', streamKey });
    assert.ok(primary.allowed && primary.role === undefined && !primary.standby, 'a primary\'s decision carries no role');
    await markLive(deps, stream.id, primary.sessionId, { topRung: 'encode', reason: 't', renditions: [] }, 'http://x');
    const backup = await authorizePublish(deps, { app: 'live-backup', streamKey, remoteAddress: '192.0.2.7' });
    assert.ok(backup.allowed && backup.standby === true && backup.role === 'backup' && backup.sessionId === primary.sessionId);
    const connected = events.filter((e) => e.type === 'stream.connected').map((e) => e.data);
    assert.deepEqual(connected, [{ reconnect: false, role: 'primary' }, { reconnect: false, role: 'backup', remoteAddress: '192.0.2.7' }]);
    for (const app of ['live', 'live-backup']) {
      const third = await authorizePublish(deps, { app, streamKey });
      assert.ok(!third.allowed && third.reason === 'already_publishing', app);
    }
    const after = await store.get(stream.id);
    assert.equal(after?.status, 'live', 'a standby join leaves the session live');
    assert.deepEqual(feedsView(after!).map((f) => `${f.role}:${f.state}`), ['primary:active', 'backup:standby']);
  });

  it('keeps the session open while the other encoder is connected, and interrupts it when the last one leaves', async () => {
    const { stream, streamKey } = await createStream(deps, { name: 'show', reconnectWindowSeconds: 30 });
    const primary = await authorizePublish(deps, { app: 'live', streamKey });
    assert.ok(primary.allowed);
    await authorizePublish(deps, { app: 'live-backup', streamKey });
    assert.equal(await leaveFeed(deps, stream.id, primary.sessionId, 'primary'), true, 'the backup is still there');
    await recordTakeover(deps, stream.id, primary.sessionId, 'backup');
    let current = await store.get(stream.id);
    assert.deepEqual(feedsView(current!).map((f) => `${f.role}:${f.state}`), ['primary:absent', 'backup:active']);
    // The primary comes back: it joins as standby while the backup is on air.
    const back = await authorizePublish(deps, { app: 'live', streamKey });
    assert.ok(back.allowed && back.standby === true && back.sessionId === primary.sessionId);
    assert.equal(await leaveFeed(deps, stream.id, primary.sessionId, 'backup'), true);
    assert.equal(await leaveFeed(deps, stream.id, primary.sessionId, 'primary'), false, 'the last one out');
    assert.deepEqual(await publisherGone(deps, stream.id, primary.sessionId, 'gone'), { ended: false, reconnectWindowSeconds: 30 });
    current = await store.get(stream.id);
    assert.equal(current?.status, 'interrupted');
    // Inside the window either encoder resumes the session as the active feed.
    const resumed = await authorizePublish(deps, { app: 'live-backup', streamKey });
    assert.ok(resumed.allowed && resumed.reconnect && !resumed.standby && resumed.sessionId === primary.sessionId);
    assert.equal(feedsView((await store.get(stream.id))!).find((f) => f.role === 'backup')?.state, 'active');
  });

  it('shows the backup server always and the key-bearing backup URL only with the key; validates the policy', async () => {
    const { stream, streamKey } = await createStream(deps, { name: 'show', backupPolicy: 'stay', backupRevertSeconds: 4 });
    const withKey = toStreamView(stream, urls, streamKey);
    assert.equal((withKey.ingest as { backupUrl?: string }).backupUrl, `rtmp://h:1935/live-backup/${streamKey}`);
    const plain = toStreamView(stream, urls);
    assert.equal((plain.ingest as { backupServer?: string }).backupServer, 'rtmp://h:1935/live-backup');
    assert.equal((plain.ingest as { backupUrl?: string }).backupUrl, undefined);
    assert.deepEqual((plain.ingest as { feeds?: unknown }).feeds, [{ role: 'primary', state: 'absent', since: null }, { role: 'backup', state: 'absent', since: null }]);
    assert.equal(plain.backupPolicy, 'stay');
    assert.equal(plain.backupRevertSeconds, 4);
    const updated = await updateStream(deps, stream.id, { backupPolicy: 'revert', backupRevertSeconds: 10 });
    assert.equal(toStreamView(updated, urls).backupPolicy, 'revert');
    assert.equal(updateStreamInput.safeParse({ backupPolicy: 'sometimes' }).success, false);
    assert.equal(updateStreamInput.safeParse({ backupRevertSeconds: 0 }).success, false);
  });
});
