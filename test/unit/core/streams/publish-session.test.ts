/**
 * The session lifecycle the ingest drives: connect, live, publisher gone, reconnect inside the window,
 * end. Timers and late messages from an older state must never end a session that is live again.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { eventEmitter } from '../../../../core/events/emit-event';
import type { StreamplaneEvent } from '../../../../core/events/catalog';
import { authorizePublish, endSession, markLive, publisherGone, type SessionDeps } from '../../../../core/streams/publish-session';
import { createStream } from '../../../../core/streams/stream-registry';
import { MemoryStreamStore } from '../../../support/memory-stream-store';

const decision = { topRung: 'encode' as const, reason: 'test', renditions: [] };

describe('publish session lifecycle', () => {
  let deps: SessionDeps;
  let store: MemoryStreamStore;
  let events: StreamplaneEvent[];

  beforeEach(() => {
    store = new MemoryStreamStore();
    events = [];
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    deps = { store, clock, emit: eventEmitter({ store, clock, publisher: { publish: async (e) => void events.push(e) } }) };
  });

  async function liveStream(reconnectWindowSeconds: number) {
    const { stream, streamKey } = await createStream(deps, { name: 'lifecycle', reconnectWindowSeconds });
    const accepted = await authorizePublish(deps, { app: 'live', streamKey, remoteAddress: '192.0.2.1' });
    assert.ok(accepted.allowed);
    assert.ok(await markLive(deps, stream.id, accepted.sessionId, decision, 'http://x/master.m3u8'));
    return { streamId: stream.id, sessionId: accepted.sessionId, streamKey };
  }

  it('continues the same session on a reconnect inside the window, and the expired timer does not end it', async () => {
    const { streamId, sessionId, streamKey } = await liveStream(60);
    assert.deepEqual(await publisherGone(deps, streamId, sessionId, 'gone'), { ended: false, reconnectWindowSeconds: 60 });
    const again = await authorizePublish(deps, { app: 'live', streamKey });
    assert.ok(again.allowed && again.reconnect && again.sessionId === sessionId);
    assert.equal(await endSession(deps, streamId, sessionId, 'publisher_gone', { onlyIfInterrupted: true }), false);
    assert.equal((await store.get(streamId))?.status, 'connected');
    assert.deepEqual(events.filter((e) => e.streamId === streamId).map((e) => e.type), [
      'stream.created',
      'stream.connected',
      'stream.live',
      'stream.interrupted',
      'stream.connected',
      'stream.recovered',
    ]);
  });

  it('ends an interrupted session once its window expires, exactly once', async () => {
    const { streamId, sessionId } = await liveStream(60);
    await publisherGone(deps, streamId, sessionId, 'gone');
    assert.equal(await endSession(deps, streamId, sessionId, 'publisher_gone', { onlyIfInterrupted: true }), true);
    assert.equal(await endSession(deps, streamId, sessionId, 'publisher_gone', { onlyIfInterrupted: true }), false);
    const stream = await store.get(streamId);
    assert.equal(stream?.status, 'ended');
    assert.equal(stream?.lastSessionId, sessionId);
    assert.equal(events.filter((e) => e.type === 'stream.ended').length, 1);
  });

  it('ends at once when the stream has no reconnect window', async () => {
    const { streamId, sessionId } = await liveStream(0);
    assert.deepEqual(await publisherGone(deps, streamId, sessionId, 'gone'), { ended: true, reconnectWindowSeconds: 0 });
    assert.equal(events.at(-1)?.type, 'stream.ended');
  });

  it('ignores a late message about an older session', async () => {
    const { streamId, sessionId } = await liveStream(0);
    await publisherGone(deps, streamId, sessionId, 'gone');
    assert.equal(await publisherGone(deps, streamId, sessionId, 'gone again'), undefined);
    assert.equal(await markLive(deps, streamId, sessionId, decision, 'http://x'), false);
  });
});
