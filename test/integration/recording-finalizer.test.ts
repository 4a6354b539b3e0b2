/**
 * The recording finalizer handler on the real things it runs on locally: dynalite for the records, the
 * folder object store, and real H.264/AAC segments made by ffmpeg and placed as the packager places them.
 * What a viewer gets must play at the right length in every rendition; duplicates, reordering and
 * re-runs must leave one recording, one `recording.ready` and untouched objects.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { FsObjectStore } from '../../adapters/fs-object-store';
import type { StreamplaneEvent } from '../../core/events/catalog';
import { newId } from '../../core/ids';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { systemClock } from '../../core/ports/clock';
import type { RecordingManifest } from '../../core/recordings/manifest';
import { recordingIdFor } from '../../core/recordings/recording';
import { startRecording } from '../../core/recordings/start';
import type { Stream } from '../../core/streams/stream';
import { createRecordingFinalizerHandler } from '../../lambdas/recording-finalizer/handler';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { recordingEmitter } from '../support/recorded-events';
import { decodes, encodeRun, placeRun, probeDuration, type RunSegment } from '../support/recording-media';

const SEGMENT_SECONDS = 2;
let messageCounter = 0;

function sqsRecord(body: unknown, receiveCount = 1): SQSRecord {
  return {
    messageId: `m-${++messageCounter}`,
    receiptHandle: 'r',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:finalizer',
    awsRegion: 'local',
  };
}

function batch(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

describe('recording finalizer (dynalite, folder store, real segments)', () => {
  let dynamo: TestDynamo;
  let root: string;
  let scratch: string;
  let runA: RunSegment[];
  let runB: RunSegment[];
  let store: FsObjectStore;
  let recordings: DynamoDbRecordingStore;
  let streams: DynamoDbStreamStore;
  let events: StreamplaneEvent[];
  let handler: ReturnType<typeof createRecordingFinalizerHandler>;

  before(async () => {
    dynamo = await startTestDynamo();
    scratch = await mkdtemp(join(tmpdir(), 'sp-recmedia-'));
    // Made once per file: a 20 s run, and a 6 s run standing for the transcoder after a reconnect.
    [runA, runB] = await Promise.all([encodeRun(join(scratch, 'a'), 20), encodeRun(join(scratch, 'b'), 6)]);
  });

  after(async () => {
    await dynamo.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  beforeEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = await mkdtemp(join(tmpdir(), 'sp-recstore-'));
    store = new FsObjectStore(root);
    recordings = new DynamoDbRecordingStore({ tableName: TEST_TABLE, client: dynamo.client });
    streams = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const emitter = recordingEmitter(streams, systemClock);
    events = emitter.events;
    handler = createRecordingFinalizerHandler({ recordings, streams, objectStore: store, emit: emitter.emit, clock: systemClock, playbackBase: 'http://127.0.0.1:8080', maxReceiveCount: 3 });
  });

  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A stream whose session has ended (or is still open), with its recording started. */
  async function session(options: { open?: boolean; start?: boolean } = {}): Promise<{ streamId: string; sessionId: string; recordingId: string }> {
    const streamId = newId('stream');
    const sessionId = newId('session');
    const now = new Date().toISOString();
    const stream: Stream = {
      id: streamId,
      name: 'Rec test',
      status: options.open ? 'interrupted' : 'ended',
      keyHash: newId('event').padEnd(64, '0'),
      recording: true,
      reconnectWindowSeconds: 60,
      ...(options.open ? { sessionId, sessionStartedAt: now } : { lastSessionId: sessionId }),
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await streams.create(stream);
    if (options.start ?? true) await startRecording({ recordings, objectStore: store, emit: recordingEmitter(streams, systemClock).emit, clock: systemClock, playbackBase: '' }, { streamId, sessionId });
    return { streamId, sessionId, recordingId: recordingIdFor(sessionId) };
  }

  const invoke = (event: SQSEvent) => handler(event, {} as Context);
  const readyEvents = () => events.filter((e) => e.type === 'recording.ready');

  async function snapshot(prefix: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const o of await store.list(prefix)) {
      const path = store.pathFor(o.key);
      out.set(o.key, `${(await stat(path)).mtimeMs}:${(await readFile(path)).toString('base64').length}:${o.size}`);
    }
    return out;
  }

  it('finalizes a 20 s session into a VOD that plays at 20 s ± one segment in every rendition', async () => {
    const ids = await session();
    await placeRun(store, ids.recordingId, runA, { firstSequence: 0, disc: 0 });

    const response = await invoke(batch(sqsRecord(ids)));

    assert.deepEqual(response.batchItemFailures, []);
    const master = store.pathFor(`recordings/${ids.recordingId}/master.m3u8`);
    const probed = await probeDuration(master);
    assert.ok(Math.abs(probed.duration - 20) <= SEGMENT_SECONDS, `master plays ${probed.duration} s`);
    for (const rendition of ['360p', '180p']) {
      const path = store.pathFor(`recordings/${ids.recordingId}/${rendition}/index.m3u8`);
      const playlist = parseMediaPlaylist(await readFile(path, 'utf8'));
      assert.equal(playlist.playlistType, 'VOD', rendition);
      assert.equal(playlist.endList, true, rendition);
      assert.equal(playlist.segments.length, 10, rendition);
      const { duration, streams: probedStreams } = await probeDuration(path);
      assert.ok(Math.abs(duration - 20) <= SEGMENT_SECONDS, `${rendition} plays ${duration} s`);
      assert.deepEqual(probedStreams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
      const decoded = await decodes(path);
      assert.ok(decoded.ok, `${rendition} decodes cleanly: ${decoded.stderr}`);
    }
    const manifest = JSON.parse(await readFile(store.pathFor(`recordings/${ids.recordingId}/manifest.json`), 'utf8')) as RecordingManifest;
    assert.equal(manifest.segmentCount, 20);
    assert.equal(manifest.renditions.length, 2);
    assert.ok(Math.abs(manifest.durationSeconds - 20) < 0.1);
    assert.deepEqual(manifest.gaps, []);
    const record = await recordings.get(ids.recordingId);
    assert.equal(record?.status, 'ready');
    assert.equal(readyEvents().length, 1);
    assert.deepEqual(readyEvents()[0]?.data, { recordingId: ids.recordingId, playback: { hls: `http://127.0.0.1:8080/recordings/${ids.recordingId}/master.m3u8` }, durationSeconds: record?.durationSeconds });
  });

  it('changes nothing when the same message is finalized again', async () => {
    const ids = await session();
    await placeRun(store, ids.recordingId, runA, { firstSequence: 0, disc: 0 });
    await invoke(batch(sqsRecord(ids)));
    const before = await snapshot(`recordings/${ids.recordingId}/`);
    const record = await recordings.get(ids.recordingId);

    const again = await invoke(batch(sqsRecord(ids)));

    assert.deepEqual(again.batchItemFailures, []);
    assert.deepEqual(await snapshot(`recordings/${ids.recordingId}/`), before, 'no object was rewritten');
    assert.deepEqual(await recordings.get(ids.recordingId), record, 'the record did not change');
    assert.equal(readyEvents().length, 1);
  });

  it('gives one recording and one recording.ready for a duplicated, reordered batch in both message shapes', async () => {
    const first = await session();
    const second = await session();
    await placeRun(store, first.recordingId, runA.slice(0, 6), { firstSequence: 0, disc: 0 });
    await placeRun(store, second.recordingId, runB, { firstSequence: 0, disc: 0 });
    const ended = (ids: typeof first) => ({
      version: '0',
      id: 'eb-1',
      'detail-type': 'stream.ended',
      source: 'streamplane',
      time: new Date().toISOString(),
      detail: { id: newId('event'), type: 'stream.ended', version: 1, time: new Date().toISOString(), streamId: ids.streamId, sessionId: ids.sessionId, sequence: 3, data: { reason: 'publisher_gone', durationSeconds: 6 } },
    });

    const response = await invoke(batch(sqsRecord(ended(second)), sqsRecord(first), sqsRecord(ended(first)), sqsRecord(second), sqsRecord(first)));
    await invoke(batch(sqsRecord(second), sqsRecord(ended(first))));

    assert.deepEqual(response.batchItemFailures, []);
    assert.deepEqual(readyEvents().map((e) => (e.data as { recordingId: string }).recordingId).sort(), [first.recordingId, second.recordingId].sort());
    assert.equal((await recordings.listByStream(first.streamId, { limit: 10 })).items.length, 1);
  });

  it('marks a discontinuity where the transcoder restarted and still plays the whole session', async () => {
    const ids = await session();
    await placeRun(store, ids.recordingId, runA.filter((s) => s.index < 5), { firstSequence: 0, disc: 0 });
    await placeRun(store, ids.recordingId, runB, { firstSequence: 5, disc: 1 });

    await invoke(batch(sqsRecord(ids)));

    const path = store.pathFor(`recordings/${ids.recordingId}/360p/index.m3u8`);
    const playlist = parseMediaPlaylist(await readFile(path, 'utf8'));
    assert.deepEqual(
      playlist.segments.map((s) => s.discontinuity),
      [false, false, false, false, false, true, false, false],
    );
    const manifest = JSON.parse(await readFile(store.pathFor(`recordings/${ids.recordingId}/manifest.json`), 'utf8')) as RecordingManifest;
    assert.deepEqual(
      manifest.gaps.map((g) => [g.kind, g.afterSequence]),
      [['discontinuity', 4]],
    );
    assert.ok(Math.abs(manifest.durationSeconds - 16) < 0.1, `${manifest.durationSeconds}`);
    // ffmpeg's own HLS demuxer ignores EXT-X-DISCONTINUITY (timestamps restart), so it is only asked for
    // the length here; players honour the tag.
    const { duration } = await probeDuration(path);
    assert.ok(Math.abs(duration - 16) <= SEGMENT_SECONDS, `plays ${duration} s`);
  });

  it('keeps renditions aligned when one lost a segment', async () => {
    const ids = await session();
    await placeRun(store, ids.recordingId, runB, { firstSequence: 0, disc: 0, skip: (s) => s.rendition === '180p' && s.index === 1 });

    await invoke(batch(sqsRecord(ids)));

    const low = parseMediaPlaylist(await readFile(store.pathFor(`recordings/${ids.recordingId}/180p/index.m3u8`), 'utf8'));
    const high = parseMediaPlaylist(await readFile(store.pathFor(`recordings/${ids.recordingId}/360p/index.m3u8`), 'utf8'));
    assert.equal(low.segments.length, high.segments.length);
    assert.equal(low.mediaSequence, high.mediaSequence);
    assert.deepEqual(
      low.segments.map((s) => s.gap),
      [false, true, false],
    );
  });

  it('does not finalize a session that is still open, and acknowledges the message', async () => {
    const ids = await session({ open: true });
    await placeRun(store, ids.recordingId, runB, { firstSequence: 0, disc: 0 });

    const response = await invoke(batch(sqsRecord(ids)));

    assert.deepEqual(response.batchItemFailures, []);
    assert.equal((await recordings.get(ids.recordingId))?.status, 'recording');
    assert.equal(await store.get(`recordings/${ids.recordingId}/master.m3u8`), undefined);
    assert.equal(readyEvents().length, 0);
  });

  it('fails a recording with no segments at all: one recording.failed with "no media"', async () => {
    const ids = await session();

    await invoke(batch(sqsRecord(ids), sqsRecord(ids)));
    await invoke(batch(sqsRecord(ids)));

    const failed = events.filter((e) => e.type === 'recording.failed');
    assert.equal(failed.length, 1);
    assert.deepEqual(failed[0]?.data, { recordingId: ids.recordingId, reason: 'no media' });
    assert.equal((await recordings.get(ids.recordingId))?.status, 'failed');
  });

  it('ignores a session that recorded nothing (no record, no media)', async () => {
    const ids = await session({ start: false });
    const response = await invoke(batch(sqsRecord(ids)));
    assert.deepEqual(response.batchItemFailures, []);
    assert.equal(await recordings.get(ids.recordingId), undefined);
    assert.deepEqual(events, []);
  });

  it('reports unreadable messages as failures (for the dead-letter queue) and processes the rest', async () => {
    const ids = await session();
    await placeRun(store, ids.recordingId, runB, { firstSequence: 0, disc: 0 });
    const poison = [sqsRecord('not json'), sqsRecord({ recordingId: ids.recordingId, streamId: ids.streamId, sessionId: newId('session') }), sqsRecord({ hello: 'world' })];
    const good = sqsRecord(ids);
    const ignored = sqsRecord({ source: 'streamplane', 'detail-type': 'stream.live', detail: { type: 'stream.live', streamId: ids.streamId, sessionId: ids.sessionId } });

    const response = await invoke(batch(...poison, good, ignored));

    assert.deepEqual(
      response.batchItemFailures.map((f) => f.itemIdentifier).sort(),
      poison.map((p) => p.messageId).sort(),
    );
    assert.equal(readyEvents().length, 1);
  });

  it('marks a recording failed (retryable) on the last receive of a message that keeps failing', async () => {
    const ids = await session();
    await placeRun(store, ids.recordingId, runB, { firstSequence: 0, disc: 0 });
    const broken = { ...store, list: store.list.bind(store), get: store.get.bind(store), delete: store.delete.bind(store), put: async () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDenied' })) };
    const emitter = recordingEmitter(streams, systemClock);
    const failing = createRecordingFinalizerHandler({ recordings, streams, objectStore: broken, emit: emitter.emit, clock: systemClock, playbackBase: 'http://x', maxReceiveCount: 3 });

    const early = await failing(batch(sqsRecord(ids, 1)), {} as Context);
    const last = await failing(batch(sqsRecord(ids, 3)), {} as Context);

    assert.equal(early.batchItemFailures.length, 1);
    assert.equal(last.batchItemFailures.length, 1, 'the message still goes on to the dead-letter queue');
    assert.deepEqual(emitter.events.map((e) => [e.type, (e.data as { reason?: string }).reason]), [['recording.failed', 'finalization failed (AccessDenied)']]);
    // Redriven after the fix: the recording is finalized after all.
    await invoke(batch(sqsRecord(ids)));
    assert.equal((await recordings.get(ids.recordingId))?.status, 'ready');
  });
});
