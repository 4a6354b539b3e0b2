/**
 * The ingest's session manager at shutdown: a publisher that leaves just before the plane stops still gets
 * its session ended and its playlists closed before `close` returns — the store and object store are
 * closed right after, and a late write would be lost (or crash the embedded DynamoDB).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizePublish, markLive, type SessionDeps } from '../../../../../core/streams/publish-session';
import { createStream } from '../../../../../core/streams/stream-registry';
import type { Stream } from '../../../../../core/streams/stream';
import { silentLogger } from '../../../../../core/ports/logger';
import { noopMetrics } from '../../../../../core/ports/metrics';
import type { AcceptedPublish } from '../../../../../containers/ingest/src/rtmp/rtmp-ingest';
import type { LiveSession } from '../../../../../containers/ingest/src/session/live-session';
import { SessionManager } from '../../../../../containers/ingest/src/session/session-manager';
import { MemoryObjectStore } from '../../../../support/memory-object-store';
import { MemoryStreamStore } from '../../../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../../../support/recorded-events';

const DECISION = { topRung: 'encode' as const, reason: 'test', renditions: [{ name: '360p', width: 640, height: 360, bandwidth: 900_000, codecs: 'avc1.42c01e,mp4a.40.2' }] };

/** A stream store whose reads wait for `release`: a slow DynamoDB while the plane stops. */
class SlowStreamStore extends MemoryStreamStore {
  private gate: Promise<void> | undefined;
  release: () => void = () => undefined;
  /** Resolves when a read is held at the gate. */
  held: Promise<void> = Promise.resolve();
  private onHeld: () => void = () => undefined;
  slowDown(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
    this.held = new Promise((resolve) => (this.onHeld = resolve));
  }
  override async get(id: string): Promise<Stream | undefined> {
    if (this.gate) this.onHeld();
    await this.gate;
    return super.get(id);
  }
}

describe('SessionManager.close', () => {
  it('waits for the session end of a publisher that left just before', async () => {
    const clock = new ManualClock();
    const store = new SlowStreamStore();
    const recorder = recordingEmitter(store, clock);
    const deps: SessionDeps = { store, emit: recorder.emit, clock };
    const { stream, streamKey } = await createStream(deps, { name: 'cam', reconnectWindowSeconds: 0 });
    const decision = await authorizePublish(deps, { app: 'live', streamKey, remoteAddress: '203.0.113.1' });
    assert.ok(decision.allowed);
    await markLive(deps, stream.id, decision.sessionId, DECISION, `https://cdn/live/${stream.id}/master.m3u8`);

    const ended: string[] = [];
    const fakeSession = { sessionId: decision.sessionId, start: () => undefined, stop: async () => undefined } as unknown as LiveSession;
    const manager = new SessionManager({
      sessionDeps: deps,
      objectStore: new MemoryObjectStore(),
      logger: silentLogger,
      metrics: noopMetrics,
      createSession: () => fakeSession,
      disconnect: () => undefined,
      onSessionEnded: async (e) => void ended.push(e.sessionId),
    });
    const publish = { streamId: stream.id, sessionId: decision.sessionId } as AcceptedPublish;
    manager.onAccepted(publish);

    store.slowDown();
    const gone = manager.onGone(publish);
    // The publisher's exit is writing the session end when the plane is told to stop.
    await store.held;
    let closed = false;
    const closing = manager.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, false, 'close must not return while the session end is still being written');
    store.release();
    await closing;
    await gone;
    assert.equal((await store.get(stream.id))?.status, 'ended');
    assert.deepEqual(ended, [decision.sessionId], 'the recording finalization was queued before close returned');
  });
});
