/**
 * The recording use cases against in-memory stores: finalization is exactly-once in its effects whatever
 * the message order, duplication, concurrency or crashes in between; a session still open is never
 * finalized; deletion and retention never touch a recording being written.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ConflictError, InvalidIdError, NotFoundError } from '../../../../core/errors';
import type { StreamplaneEvent } from '../../../../core/events/catalog';
import { deleteRecording } from '../../../../core/recordings/delete';
import { failRecording, type FinalizeDeps, finalizeRecording, pendingFinalizations } from '../../../../core/recordings/finalize';
import { completeMp4Export, requestMp4Export } from '../../../../core/recordings/mp4-requests';
import { getRecording, listRecordings } from '../../../../core/recordings/queries';
import { sweepRecordingRetention } from '../../../../core/recordings/retention';
import { startRecording } from '../../../../core/recordings/start';
import { parseMediaPlaylist } from '../../../../core/hls/playlist';
import { segmentFileName } from '../../../../core/media/layout';
import { recordingIdFor } from '../../../../core/recordings/recording';
import type { Stream } from '../../../../core/streams/stream';
import { MemoryObjectStore } from '../../../support/memory-object-store';
import { MemoryRecordingStore } from '../../../support/memory-recording-store';
import { MemoryStreamStore } from '../../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../../support/recorded-events';

const STREAM = 'st_abcdefghijklmnopqrst';
const SESSION = 'ses_abcdefghijklmnopqrst';
const REC = recordingIdFor(SESSION);
const MESSAGE = { recordingId: REC, streamId: STREAM, sessionId: SESSION };

function stream(overrides: Partial<Stream> = {}): Stream {
  return {
    id: STREAM,
    name: 'Main',
    status: 'ended',
    keyHash: 'a'.repeat(64),
    recording: true,
    reconnectWindowSeconds: 60,
    lastSessionId: SESSION,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
}

describe('recording lifecycle', () => {
  let recordings: MemoryRecordingStore;
  let objects: MemoryObjectStore;
  let streams: MemoryStreamStore;
  let clock: ManualClock;
  let events: StreamplaneEvent[];
  let deps: FinalizeDeps;

  beforeEach(async () => {
    recordings = new MemoryRecordingStore();
    objects = new MemoryObjectStore();
    streams = new MemoryStreamStore();
    clock = new ManualClock();
    const emitter = recordingEmitter(streams, clock);
    events = emitter.events;
    deps = { recordings, objectStore: objects, emit: emitter.emit, clock, playbackBase: 'https://cdn.example', streams };
    await streams.create(stream());
  });

  function upload(rendition: string, seq: number, disc = 0): void {
    objects.putSegment(`recordings/${REC}/${rendition}/${segmentFileName({ seq, durationMs: 2000, disc })}`);
  }

  function uploadSession(count = 3): void {
    objects.putSegment(`recordings/${REC}/renditions.json`, 0);
    objects.objects.set(`recordings/${REC}/renditions.json`, {
      body: new TextEncoder().encode(JSON.stringify([{ name: '720p', bandwidth: 3_000_000, codecs: 'avc1.64001f,mp4a.40.2', width: 1280, height: 720 }, { name: '360p', bandwidth: 900_000, codecs: 'avc1.42c01e,mp4a.40.2' }])),
      options: { contentType: 'application/json', cacheControl: 'no-cache' },
    });
    for (let seq = 0; seq < count; seq++) {
      upload('720p', seq);
      upload('360p', seq);
    }
  }

  const types = () => events.map((e) => e.type);

  it('starts a recording once, however often the ingest says so', async () => {
    const first = await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    const again = await startRecording(deps, { streamId: STREAM, sessionId: SESSION });

    assert.equal(first.started, true);
    assert.equal(again.started, false);
    assert.equal(first.recording.id, REC);
    assert.equal(again.recording.status, 'recording');
    assert.deepEqual(types(), ['recording.started']);
    assert.equal(events[0]?.sessionId, SESSION);
    await assert.rejects(startRecording(deps, { streamId: 'nope', sessionId: SESSION }), InvalidIdError);
  });

  it('retries a recording.started whose emit failed, on the next call', async () => {
    let fail = true;
    const flaky: FinalizeDeps = { ...deps, emit: async (input) => { if (fail) { fail = false; throw new Error('bus down'); } return deps.emit(input); } };
    await assert.rejects(startRecording(flaky, { streamId: STREAM, sessionId: SESSION }), /bus down/);
    const retried = await startRecording(flaky, { streamId: STREAM, sessionId: SESSION });
    assert.equal(retried.started, true);
    assert.deepEqual(types(), ['recording.started']);
  });

  it('does not finalize while the session is still open (live or inside its reconnect window)', async () => {
    await streams.put(stream({ status: 'interrupted', sessionId: SESSION }), { expectedVersion: 1 });
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession();
    const putsBefore = objects.puts.length;

    const result = await finalizeRecording(deps, MESSAGE);

    assert.equal(result.outcome, 'session_open');
    assert.equal((await recordings.get(REC))?.status, 'recording');
    assert.equal(objects.puts.length, putsBefore);
    assert.deepEqual(types(), ['recording.started']);
  });

  it('finalizes an ended session: playlists, master, manifest, then ready and one recording.ready', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(3);

    const result = await finalizeRecording(deps, MESSAGE);

    assert.equal(result.outcome, 'ready');
    const stored = await recordings.get(REC);
    assert.equal(stored?.status, 'ready');
    assert.equal(stored?.announce, undefined);
    assert.equal(stored?.durationSeconds, 6);
    assert.equal(stored?.segmentCount, 6);
    assert.deepEqual(objects.puts.slice(-4), [
      `recordings/${REC}/360p/index.m3u8`,
      `recordings/${REC}/720p/index.m3u8`,
      `recordings/${REC}/master.m3u8`,
      `recordings/${REC}/manifest.json`,
    ]);
    const master = objects.text(`recordings/${REC}/master.m3u8`) ?? '';
    assert.ok(master.indexOf('720p/index.m3u8') < master.indexOf('360p/index.m3u8'), 'master keeps the ladder order');
    const vod = parseMediaPlaylist(objects.text(`recordings/${REC}/720p/index.m3u8`) ?? '');
    assert.equal(vod.playlistType, 'VOD');
    assert.equal(vod.endList, true);
    assert.deepEqual(types(), ['recording.started', 'recording.ready']);
    const ready = events[1] as StreamplaneEvent<'recording.ready'>;
    assert.deepEqual(ready.data, { recordingId: REC, playback: { hls: `https://cdn.example/recordings/${REC}/master.m3u8` }, durationSeconds: 6 });
  });

  it('changes nothing when the same message comes again, or many copies arrive at once', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(3);
    const outcomes = await Promise.all([finalizeRecording(deps, MESSAGE), finalizeRecording(deps, MESSAGE), finalizeRecording(deps, MESSAGE)]);
    const putsAfterFirst = objects.puts.length;
    const snapshot = new Map([...objects.objects].map(([k, v]) => [k, Buffer.from(v.body).toString('base64')]));

    const again = await finalizeRecording(deps, MESSAGE);

    assert.equal(outcomes.filter((o) => o.outcome === 'ready').length, 1, JSON.stringify(outcomes.map((o) => o.outcome)));
    assert.equal(again.outcome, 'already_ready');
    assert.equal(objects.puts.length, putsAfterFirst, 'a duplicate writes nothing');
    assert.deepEqual(new Map([...objects.objects].map(([k, v]) => [k, Buffer.from(v.body).toString('base64')])), snapshot);
    assert.deepEqual(types(), ['recording.started', 'recording.ready']);
  });

  it('adopts media stored without a record (crash between upload and start) and ignores sessions that recorded nothing', async () => {
    const nothing = await finalizeRecording(deps, MESSAGE);
    assert.equal(nothing.outcome, 'not_recorded');
    assert.equal(await recordings.get(REC), undefined);
    assert.deepEqual(types(), []);

    uploadSession(2);
    const adopted = await finalizeRecording(deps, MESSAGE);
    assert.equal(adopted.outcome, 'ready');
    assert.deepEqual(types(), ['recording.started', 'recording.ready']);
  });

  it('fails a recording without media once, with the reason', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });

    const first = await finalizeRecording(deps, MESSAGE);
    const second = await finalizeRecording(deps, MESSAGE);

    assert.equal(first.outcome, 'failed');
    assert.equal(second.outcome, 'already_failed');
    assert.deepEqual(types(), ['recording.started', 'recording.failed']);
    assert.deepEqual(events[1]?.data, { recordingId: REC, reason: 'no media' });
    assert.equal((await recordings.get(REC))?.failure?.retryable, false);
  });

  it('resumes after a crash between writing outputs and marking ready', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(2);
    objects.failNextPut.set(`recordings/${REC}/manifest.json`, new Error('store unavailable'));

    await assert.rejects(finalizeRecording(deps, MESSAGE), /store unavailable/);
    assert.equal((await recordings.get(REC))?.status, 'finalizing');

    const retried = await finalizeRecording(deps, MESSAGE);
    assert.equal(retried.outcome, 'ready');
    assert.deepEqual(types(), ['recording.started', 'recording.ready']);
  });

  it('sends a recording.ready left pending by a worker that died, after its lease, exactly once', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(2);
    const dying: FinalizeDeps = {
      ...deps,
      emit: async (input) => {
        if (input.type === 'recording.ready') throw new Error('process killed');
        return deps.emit(input);
      },
    };
    await assert.rejects(finalizeRecording(dying, MESSAGE), /process killed/);
    assert.equal((await recordings.get(REC))?.status, 'ready');

    const tooSoon = await finalizeRecording(deps, MESSAGE);
    clock.advance(61_000);
    const takenOver = await finalizeRecording(deps, MESSAGE);
    const after = await finalizeRecording(deps, MESSAGE);

    assert.equal(tooSoon.outcome, 'busy');
    assert.equal(takenOver.outcome, 'announced');
    assert.equal(after.outcome, 'already_ready');
    assert.deepEqual(types(), ['recording.started', 'recording.ready']);
  });

  it('takes segments that arrive after finalization into the VOD without a second event', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(2);
    await finalizeRecording(deps, MESSAGE);
    upload('720p', 2);
    upload('360p', 2);

    const repaired = await finalizeRecording(deps, MESSAGE);

    assert.equal(repaired.outcome, 'repaired');
    assert.equal(parseMediaPlaylist(objects.text(`recordings/${REC}/720p/index.m3u8`) ?? '').segments.length, 3);
    assert.equal((await recordings.get(REC))?.durationSeconds, 6);
    assert.deepEqual(types(), ['recording.started', 'recording.ready']);
  });

  it('heals outputs a concurrent finalizer overwrote with an older listing, on the next message', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(3);
    await finalizeRecording(deps, MESSAGE);
    const good = objects.text(`recordings/${REC}/720p/index.m3u8`);
    await objects.put(`recordings/${REC}/720p/index.m3u8`, '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n', { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'x' });

    const healed = await finalizeRecording(deps, MESSAGE);

    assert.equal(healed.outcome, 'repaired');
    assert.equal(objects.text(`recordings/${REC}/720p/index.m3u8`), good);
    assert.deepEqual(types(), ['recording.started', 'recording.ready']);
  });

  it('retries a recording failed by the plane (not by its media) when a redriven message arrives', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(2);
    await failRecording(deps, REC, { reason: 'finalization failed: AccessDenied', retryable: true });

    const redriven = await finalizeRecording(deps, MESSAGE);

    assert.equal(redriven.outcome, 'ready');
    assert.deepEqual(types(), ['recording.started', 'recording.failed', 'recording.ready']);
  });

  it('never fails a ready recording', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(1);
    await finalizeRecording(deps, MESSAGE);
    const after = await failRecording(deps, REC, { reason: 'late', retryable: true });
    assert.equal(after?.status, 'ready');
    assert.deepEqual(types(), ['recording.started', 'recording.ready']);
  });

  it('refuses a message whose recording id does not belong to its session', async () => {
    await assert.rejects(finalizeRecording(deps, { ...MESSAGE, sessionId: 'ses_bbbbbbbbbbbbbbbbbbbb' }), InvalidIdError);
  });

  it('deletes a settled recording with its objects, refuses one being written', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(2);
    await assert.rejects(deleteRecording(deps, REC), ConflictError);
    await finalizeRecording(deps, MESSAGE);
    objects.putSegment('recordings/rec_zzzzzzzzzzzzzzzzzzzz/720p/0-2000-0.ts');

    await deleteRecording(deps, REC);

    assert.equal(await recordings.get(REC), undefined);
    assert.deepEqual(await objects.list(`recordings/${REC}/`), []);
    assert.equal((await objects.list('recordings/')).length, 1, 'other recordings are untouched');
    await assert.rejects(getRecording(deps, REC), NotFoundError);
    await assert.rejects(deleteRecording(deps, REC), NotFoundError);
    assert.equal((await finalizeRecording(deps, MESSAGE)).outcome, 'not_recorded');
  });

  it('lists a stream’s recordings, newest first', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    clock.advance(1000);
    await startRecording(deps, { streamId: STREAM, sessionId: 'ses_bbbbbbbbbbbbbbbbbbbb' });
    const page = await listRecordings(deps, STREAM, { limit: 10 });
    assert.deepEqual(
      page.items.map((r) => r.id),
      [recordingIdFor('ses_bbbbbbbbbbbbbbbbbbbb'), REC],
    );
  });

  it('queues an MP4 export once per ready recording', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    await assert.rejects(requestMp4Export(deps, REC), ConflictError);
    uploadSession(1);
    await finalizeRecording(deps, MESSAGE);

    const first = await requestMp4Export(deps, REC);
    const second = await requestMp4Export(deps, REC);
    await completeMp4Export(deps, REC, { status: 'ready', bytes: 1234 });
    const third = await requestMp4Export(deps, REC);

    assert.equal(first.enqueue, true);
    assert.equal(second.enqueue, false);
    assert.equal(third.enqueue, false);
    assert.deepEqual(third.recording.mp4?.status, 'ready');
    clock.advance(16 * 60_000);
    await completeMp4Export(deps, REC, { status: 'failed', error: 'ffmpeg exited with 1' });
    assert.equal((await requestMp4Export(deps, REC)).enqueue, true, 'a failed export can be requested again');
  });

  it('deletes settled recordings past retention, keeps the rest', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    uploadSession(1);
    await finalizeRecording(deps, MESSAGE);
    const young = 'ses_cccccccccccccccccccc';
    clock.advance(5 * 86_400_000);
    await startRecording(deps, { streamId: STREAM, sessionId: young });
    clock.advance(3 * 86_400_000);

    const deleted = await sweepRecordingRetention(deps, { retentionDays: 7 });

    assert.deepEqual(deleted, [REC]);
    assert.equal(await recordings.get(REC), undefined);
    assert.ok(await recordings.get(recordingIdFor(young)), 'an unsettled one is never swept');
    assert.deepEqual(await sweepRecordingRetention(deps, {}), []);
  });

  it('applies a stream’s own retention, looked up per stream', async () => {
    const other = 'st_bbbbbbbbbbbbbbbbbbbb';
    await streams.create(stream({ id: other, keyHash: 'b'.repeat(64) }));
    for (const [streamId, sessionId] of [[STREAM, SESSION], [other, 'ses_bbbbbbbbbbbbbbbbbbbb']] as const) {
      await startRecording(deps, { streamId, sessionId });
      objects.putSegment(`recordings/${recordingIdFor(sessionId)}/720p/0-2000-0.ts`);
      await finalizeRecording(deps, { recordingId: recordingIdFor(sessionId), streamId, sessionId });
    }
    clock.advance(2 * 86_400_000);
    const lookups: string[] = [];

    const deleted = await sweepRecordingRetention(deps, {
      retentionDays: 30,
      streamRetentionDays: async (streamId) => {
        lookups.push(streamId);
        return streamId === other ? 1 : undefined;
      },
    });

    assert.deepEqual(deleted, [recordingIdFor('ses_bbbbbbbbbbbbbbbbbbbb')]);
    assert.deepEqual(lookups.sort(), [other, STREAM].sort(), 'one lookup per stream');
  });

  it('lists what a restarted plane must queue again', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    await startRecording(deps, { streamId: STREAM, sessionId: 'ses_dddddddddddddddddddd' });
    uploadSession(1);
    await finalizeRecording(deps, MESSAGE);
    assert.deepEqual(await pendingFinalizations(deps), [{ recordingId: recordingIdFor('ses_dddddddddddddddddddd'), streamId: STREAM, sessionId: 'ses_dddddddddddddddddddd' }]);
  });
});
