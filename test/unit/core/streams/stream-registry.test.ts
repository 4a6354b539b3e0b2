/**
 * The stream registry use cases against an in-memory store that honours the conditional-write contract:
 * keys are returned once and stored only as hashes, every change emits its event, illegal transitions
 * write nothing, and lost races are retried rather than lost.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ConflictError, IllegalTransitionError, InvalidIdError, NotFoundError } from '../../../../core/errors';
import type { StreamplaneEvent } from '../../../../core/events/catalog';
import { hashStreamKey, isWellFormedStreamKey } from '../../../../core/streams/stream-key';
import {
  createStream,
  deleteStream,
  disableStream,
  enableStream,
  endStreamNow,
  getStream,
  listStreams,
  resetStreamKey,
  updateStream,
  type RegistryDeps,
} from '../../../../core/streams/stream-registry';
import type { Stream } from '../../../../core/streams/stream';
import { MemoryStreamStore } from '../../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../../support/recorded-events';

describe('stream registry', () => {
  let store: MemoryStreamStore;
  let clock: ManualClock;
  let events: StreamplaneEvent[];
  let deps: RegistryDeps;

  beforeEach(() => {
    store = new MemoryStreamStore();
    clock = new ManualClock();
    const recorder = recordingEmitter(store, clock);
    events = recorder.events;
    deps = { store, emit: recorder.emit, clock };
  });

  /** Puts a stream into an open session, as the ingest would. */
  async function goLive(stream: Stream): Promise<Stream> {
    const current = (await store.get(stream.id)) as Stream;
    const live: Stream = { ...current, status: 'live', sessionId: 'ses_aaaaaaaaaaaaaaaaaaaa', sessionStartedAt: clock.now().toISOString() };
    await store.put(live, { expectedVersion: current.version });
    return (await store.get(stream.id)) as Stream;
  }

  function assertNoKeyIn(value: unknown, key: string): void {
    assert.equal(JSON.stringify(value).includes(key), false, 'the stream key must not appear');
  }

  describe('create', () => {
    it('returns a well-formed key once and stores only its hash', async () => {
      const { stream, streamKey } = await createStream(deps, { name: 'Main stage' });

      assert.ok(isWellFormedStreamKey(streamKey));
      const stored = await store.get(stream.id);
      assert.equal(stored?.keyHash, hashStreamKey(streamKey));
      assertNoKeyIn(stored, streamKey);
      assert.equal((await store.getByKeyHash(hashStreamKey(streamKey)))?.id, stream.id);
    });

    it('applies defaults: idle, recording on, 60 s reconnect window, version 1', async () => {
      const { stream } = await createStream(deps, { name: 'Defaults' });
      assert.equal(stream.status, 'idle');
      assert.equal(stream.recording, true);
      assert.equal(stream.reconnectWindowSeconds, 60);
      assert.equal(stream.version, 1);
      assert.equal(stream.createdAt, clock.now().toISOString());
    });

    it('emits stream.created without the key', async () => {
      const { stream, streamKey } = await createStream(deps, { name: 'Evented', recording: false, reconnectWindowSeconds: 0 });
      assert.deepEqual(
        events.map((e) => [e.type, e.streamId, e.sequence]),
        [['stream.created', stream.id, 1]],
      );
      assert.deepEqual(events[0]?.data, { name: 'Evented' });
      assertNoKeyIn(events, streamKey);
    });
  });

  describe('get and list', () => {
    it('refuses a malformed id before touching the store', async () => {
      let reads = 0;
      const get = store.get.bind(store);
      store.get = async (id) => {
        reads++;
        return get(id);
      };
      await assert.rejects(getStream(deps, '../etc/passwd'), InvalidIdError);
      assert.equal(reads, 0);
    });

    it('reports an unknown id as not found', async () => {
      await assert.rejects(getStream(deps, 'st_aaaaaaaaaaaaaaaaaaaa'), NotFoundError);
    });

    it('lists newest first in pages', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await createStream(deps, { name: `s${i}` })).stream.id);
        clock.advance(1000);
      }
      const first = await listStreams(deps, { limit: 2 });
      const second = await listStreams(deps, { limit: 2, cursor: first.next as string });
      const third = await listStreams(deps, { limit: 2, cursor: second.next as string });
      assert.deepEqual(
        [...first.items, ...second.items, ...third.items].map((s) => s.id),
        [...ids].reverse(),
      );
      assert.equal(third.next, undefined);
    });
  });

  describe('update', () => {
    it('changes the given fields, bumps the version and says what changed', async () => {
      const { stream } = await createStream(deps, { name: 'Before' });
      clock.advance(5000);
      const updated = await updateStream(deps, stream.id, { name: 'After', recording: true, reconnectWindowSeconds: 120 });

      assert.equal(updated.name, 'After');
      assert.equal(updated.reconnectWindowSeconds, 120);
      assert.equal(updated.version, 2);
      assert.equal(updated.updatedAt, clock.now().toISOString());
      assert.deepEqual((await store.get(stream.id))?.name, 'After');
      const event = events.at(-1);
      assert.equal(event?.type, 'stream.updated');
      // recording was already true, so it is not a change
      assert.deepEqual(event?.data, { changed: ['name', 'reconnectWindowSeconds'] });
    });

    it('writes nothing and emits nothing when nothing changes', async () => {
      const { stream } = await createStream(deps, { name: 'Same' });
      const writes = store.writes;
      const result = await updateStream(deps, stream.id, { name: 'Same' });
      assert.equal(result.version, 1);
      assert.equal(store.writes, writes);
      assert.deepEqual(events.map((e) => e.type), ['stream.created']);
    });

    it('retries a lost race on the re-read stream, keeping the other writer\'s change', async () => {
      const { stream } = await createStream(deps, { name: 'Raced' });
      store.beforeWrite = async () => {
        const current = (await store.get(stream.id)) as Stream;
        await store.put({ ...current, recording: false }, { expectedVersion: current.version });
      };
      const updated = await updateStream(deps, stream.id, { name: 'Winner' });
      assert.equal(updated.version, 3);
      const stored = (await store.get(stream.id)) as Stream;
      assert.equal(stored.name, 'Winner');
      assert.equal(stored.recording, false);
    });

    it('gives up with a conflict when it keeps losing', async () => {
      const { stream } = await createStream(deps, { name: 'Contended' });
      const interfere = async () => {
        const current = (await store.get(stream.id)) as Stream;
        await store.put({ ...current }, { expectedVersion: current.version });
        store.beforeWrite = interfere;
      };
      store.beforeWrite = interfere;
      await assert.rejects(updateStream(deps, stream.id, { name: 'Never' }), ConflictError);
      store.beforeWrite = undefined;
      assert.equal((await store.get(stream.id))?.name, 'Contended');
    });
  });

  describe('reset key', () => {
    it('issues a new key; the old one stops resolving at once', async () => {
      const { stream, streamKey: oldKey } = await createStream(deps, { name: 'Reset' });
      const { stream: after, streamKey: newKey } = await resetStreamKey(deps, stream.id);

      assert.notEqual(newKey, oldKey);
      assert.equal(await store.getByKeyHash(hashStreamKey(oldKey)), undefined);
      assert.equal((await store.getByKeyHash(hashStreamKey(newKey)))?.id, stream.id);
      assert.equal(after.version, 2);
      assert.equal(events.at(-1)?.type, 'stream.key_reset');
      assertNoKeyIn(events, newKey);
      assertNoKeyIn(events, oldKey);
    });

    it('retries when the stream changed in between, and only the last key works', async () => {
      const { stream } = await createStream(deps, { name: 'Reset race' });
      store.beforeWrite = async () => {
        const current = (await store.get(stream.id)) as Stream;
        await store.put({ ...current, name: 'Renamed' }, { expectedVersion: current.version });
      };
      const { streamKey } = await resetStreamKey(deps, stream.id);
      const stored = (await store.get(stream.id)) as Stream;
      assert.equal(stored.keyHash, hashStreamKey(streamKey));
      assert.equal(stored.name, 'Renamed');
    });
  });

  describe('disable, enable, end', () => {
    it('disables an idle stream without ending a session', async () => {
      const { stream } = await createStream(deps, { name: 'Idle' });
      const disabled = await disableStream(deps, stream.id);
      assert.equal(disabled.status, 'disabled');
      assert.deepEqual(events.map((e) => e.type), ['stream.created', 'stream.disabled']);
    });

    it('disabling a live stream ends its session first', async () => {
      const { stream } = await createStream(deps, { name: 'Live' });
      const live = await goLive(stream);
      clock.advance(12_300);
      const disabled = await disableStream(deps, stream.id);

      assert.equal(disabled.status, 'disabled');
      assert.equal(disabled.sessionId, undefined);
      assert.equal(disabled.lastSessionId, live.sessionId);
      const ended = events.find((e) => e.type === 'stream.ended');
      assert.deepEqual(ended?.data, { reason: 'disabled', durationSeconds: 12.3 });
      assert.equal(ended?.sessionId, live.sessionId);
      assert.deepEqual(events.map((e) => e.type).slice(-2), ['stream.ended', 'stream.disabled']);
    });

    it('enables a disabled stream back to idle, and refuses to enable anything else', async () => {
      const { stream } = await createStream(deps, { name: 'Toggle' });
      await assert.rejects(enableStream(deps, stream.id), IllegalTransitionError);
      await disableStream(deps, stream.id);
      assert.equal((await enableStream(deps, stream.id)).status, 'idle');
      await assert.rejects(disableStream(deps, stream.id).then(() => disableStream(deps, stream.id)), IllegalTransitionError);
    });

    it('ends a live session now', async () => {
      const { stream } = await createStream(deps, { name: 'End' });
      await goLive(stream);
      const ended = await endStreamNow(deps, stream.id);
      assert.equal(ended.status, 'ended');
      assert.equal(events.at(-1)?.type, 'stream.ended');
      assert.equal((events.at(-1)?.data as { reason: string }).reason, 'ended_by_api');
    });

    it('refuses to end an idle stream and writes nothing', async () => {
      const { stream } = await createStream(deps, { name: 'Not live' });
      const writes = store.writes;
      await assert.rejects(endStreamNow(deps, stream.id), IllegalTransitionError);
      assert.equal(store.writes, writes);
      assert.deepEqual(events.map((e) => e.type), ['stream.created']);
    });
  });

  describe('delete', () => {
    it('removes the stream and its key', async () => {
      const { stream, streamKey } = await createStream(deps, { name: 'Gone' });
      await deleteStream(deps, stream.id);
      assert.equal(await store.get(stream.id), undefined);
      assert.equal(await store.getByKeyHash(hashStreamKey(streamKey)), undefined);
      assert.equal(events.at(-1)?.type, 'stream.deleted');
      await assert.rejects(deleteStream(deps, stream.id), NotFoundError);
    });

    it('ends an open session before deleting', async () => {
      const { stream } = await createStream(deps, { name: 'Live and gone' });
      await goLive(stream);
      await deleteStream(deps, stream.id);
      assert.deepEqual(events.map((e) => e.type).slice(-2), ['stream.ended', 'stream.deleted']);
      assert.equal((events.at(-2)?.data as { reason: string }).reason, 'deleted');
    });
  });

  it('numbers each stream\'s events strictly increasing from 1', async () => {
    const a = (await createStream(deps, { name: 'A' })).stream;
    const b = (await createStream(deps, { name: 'B' })).stream;
    await updateStream(deps, a.id, { name: 'A2' });
    await disableStream(deps, a.id);
    await disableStream(deps, b.id);
    const seq = (id: string) => events.filter((e) => e.streamId === id).map((e) => e.sequence);
    assert.deepEqual(seq(a.id), [1, 2, 3]);
    assert.deepEqual(seq(b.id), [1, 2]);
  });
});

describe('deployment defaults for new streams', () => {
  it('applies the configured reconnect window unless the request sets one', async () => {
    const store = new MemoryStreamStore();
    const deps = { store, emit: (async (e: unknown) => e) as never, clock: { now: () => new Date('2026-01-01T00:00:00Z') }, defaults: { reconnectWindowSeconds: 300 } };
    assert.equal((await createStream(deps, { name: 'defaulted' })).stream.reconnectWindowSeconds, 300);
    assert.equal((await createStream(deps, { name: 'explicit', reconnectWindowSeconds: 0 })).stream.reconnectWindowSeconds, 0);
  });
});
