/**
 * MP4 export with real ffmpeg: a finalized recording (real segments, dynalite, folder store) remuxed into
 * one MP4 that plays at the recording's length with its top rendition, across a discontinuity, read from
 * the folder or over HTTP; the command line is pinned; failures are recorded and leave nothing behind.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { SQSRecord } from 'aws-lambda';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { FsObjectStore } from '../../adapters/fs-object-store';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { recordingIdFor } from '../../core/recordings/recording';
import { type FinalizeDeps, finalizeRecording } from '../../core/recordings/finalize';
import { requestMp4Export } from '../../core/recordings/mp4-requests';
import { startRecording } from '../../core/recordings/start';
import { createMp4ExportConsumer, exportRecordingMp4, mp4ExportArgs, topRendition, type Mp4ExportDeps } from '../../containers/ingest/src/recordings/mp4-export';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { recordingEmitter } from '../support/recorded-events';
import { decodes, encodeRun, placeRun, probeDuration, type RunSegment } from '../support/recording-media';

describe('MP4 export (real ffmpeg)', () => {
  let dynamo: TestDynamo;
  let media: string;
  let root: string;
  let scratch: string;
  let runA: RunSegment[];
  let runB: RunSegment[];
  let store: FsObjectStore;
  let deps: FinalizeDeps;
  let exportDeps: Mp4ExportDeps;

  before(async () => {
    dynamo = await startTestDynamo();
    media = await mkdtemp(join(tmpdir(), 'sp-mp4media-'));
    [runA, runB] = await Promise.all([encodeRun(join(media, 'a'), 20), encodeRun(join(media, 'b'), 6)]);
  });

  after(async () => {
    await dynamo.stop();
    await rm(media, { recursive: true, force: true });
    if (root) await rm(root, { recursive: true, force: true });
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  beforeEach(async () => {
    for (const dir of [root, scratch]) if (dir) await rm(dir, { recursive: true, force: true });
    root = await mkdtemp(join(tmpdir(), 'sp-mp4store-'));
    scratch = await mkdtemp(join(tmpdir(), 'sp-mp4scratch-'));
    store = new FsObjectStore(root);
    const streams = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const recordings = new DynamoDbRecordingStore({ tableName: TEST_TABLE, client: dynamo.client });
    deps = { recordings, streams, objectStore: store, emit: recordingEmitter(streams, systemClock).emit, clock: systemClock, playbackBase: 'http://127.0.0.1' };
    exportDeps = { recordings, objectStore: store, clock: systemClock, source: { dir: root }, scratchDir: scratch };
  });

  /** A ready recording of the given runs (each with its first sequence and discontinuity number). */
  async function readyRecording(runs: Array<{ run: RunSegment[]; firstSequence: number; disc: number }>): Promise<string> {
    const streamId = newId('stream');
    const sessionId = newId('session');
    const recordingId = recordingIdFor(sessionId);
    await startRecording(deps, { streamId, sessionId });
    for (const r of runs) await placeRun(store, recordingId, r.run, { firstSequence: r.firstSequence, disc: r.disc });
    assert.equal((await finalizeRecording(deps, { recordingId, streamId, sessionId })).outcome, 'ready');
    return recordingId;
  }

  it('builds the documented ffmpeg command line (remux only, faststart)', () => {
    assert.deepEqual(mp4ExportArgs({ listPath: '/tmp/x/segments.txt', outputPath: '/tmp/x/recording.mp4' }), [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,http,https,tcp,tls,crypto', '-i', '/tmp/x/segments.txt',
      '-map', '0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc', '-movflags', '+faststart', '-f', 'mp4', '/tmp/x/recording.mp4',
    ]);
  });

  it('picks the tallest video rendition, then the highest bandwidth', () => {
    assert.equal(topRendition({ renditions: [
      { name: 'audio', segments: 3, bytes: 10, durationSeconds: 6, bandwidth: 128_000 },
      { name: '720p', segments: 3, bytes: 10, durationSeconds: 6, bandwidth: 3_000_000, height: 720 },
      { name: '1080p', segments: 3, bytes: 10, durationSeconds: 6, bandwidth: 6_000_000, height: 1080 },
      { name: 'empty', segments: 0, bytes: 0, durationSeconds: 0, height: 2160 },
    ] }), '1080p');
    assert.equal(topRendition({ renditions: [] }), undefined);
  });

  it('exports the top rendition of a 20 s recording as an MP4 that plays for 20 s', async () => {
    const id = await readyRecording([{ run: runA, firstSequence: 0, disc: 0 }]);
    await requestMp4Export(deps, id);

    const result = await exportRecordingMp4(exportDeps, id);

    assert.equal(result.status, 'ready');
    const path = store.pathFor(`recordings/${id}/recording.mp4`);
    const probed = await probeDuration(path);
    assert.ok(Math.abs(probed.duration - 20) <= 0.5, `mp4 plays ${probed.duration} s`);
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.equal(probed.streams.find((s) => s.codec_type === 'video')?.width, 640, 'the top rendition');
    const bytes = await readFile(path);
    assert.ok(bytes.indexOf('moov') < bytes.indexOf('mdat'), 'faststart: moov before mdat');
    const decoded = await decodes(path);
    assert.ok(decoded.ok, decoded.stderr);
    const reader = await store.open(`recordings/${id}/recording.mp4`);
    assert.equal(reader?.contentType, 'video/mp4');
    await reader?.close();
    const record = await deps.recordings.get(id);
    assert.equal(record?.mp4?.status, 'ready');
    assert.equal(record?.mp4?.bytes, bytes.length);
    assert.deepEqual(await readdir(scratch), [], 'the temp folder is gone');

    assert.deepEqual(await exportRecordingMp4(exportDeps, id), { status: 'skipped', reason: 'already exported' });
  });

  it('gives one continuous timeline across a discontinuity', async () => {
    const id = await readyRecording([
      { run: runA.filter((s) => s.index < 5), firstSequence: 0, disc: 0 },
      { run: runB, firstSequence: 5, disc: 1 },
    ]);

    const result = await exportRecordingMp4(exportDeps, id);

    assert.equal(result.status, 'ready');
    const path = store.pathFor(`recordings/${id}/recording.mp4`);
    const probed = await probeDuration(path);
    assert.ok(Math.abs(probed.duration - 16) <= 0.5, `mp4 plays ${probed.duration} s`);
    const decoded = await decodes(path);
    assert.ok(decoded.ok, decoded.stderr);
  });

  it('reads the segments over HTTP when given a base URL', async () => {
    const id = await readyRecording([{ run: runB, firstSequence: 0, disc: 0 }]);
    const server: Server = createServer((req, res) => {
      const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
      let path: string;
      try {
        path = store.pathFor(key);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const stream = createReadStream(path);
      stream.once('error', () => res.writeHead(404).end());
      stream.once('open', () => {
        res.writeHead(200, { 'content-type': 'video/mp2t' });
        stream.pipe(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await exportRecordingMp4({ ...exportDeps, source: { baseUrl: base } }, id);
      assert.equal(result.status, 'ready');
      const probed = await probeDuration(store.pathFor(`recordings/${id}/recording.mp4`));
      assert.ok(Math.abs(probed.duration - 6) <= 0.5, `mp4 plays ${probed.duration} s`);
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  });

  it('records a failed export, writes no MP4 and leaves no temp folder', async () => {
    const id = await readyRecording([{ run: runB, firstSequence: 0, disc: 0 }]);

    const result = await exportRecordingMp4({ ...exportDeps, ffmpegPath: 'false' }, id);

    assert.equal(result.status, 'failed');
    assert.equal(await store.get(`recordings/${id}/recording.mp4`), undefined);
    const record = await deps.recordings.get(id);
    assert.equal(record?.mp4?.status, 'failed');
    assert.equal(record?.mp4?.error, 'ffmpeg exited with 1');
    assert.deepEqual(await readdir(scratch), []);
  });

  it('skips recordings that are not ready, and consumes queue jobs', async () => {
    const streamId = newId('stream');
    const sessionId = newId('session');
    await startRecording(deps, { streamId, sessionId });
    assert.deepEqual(await exportRecordingMp4(exportDeps, recordingIdFor(sessionId)), { status: 'skipped', reason: 'recording is recording' });
    assert.deepEqual(await exportRecordingMp4(exportDeps, 'rec_aaaaaaaaaaaaaaaaaaaa'), { status: 'skipped', reason: 'recording not found' });

    const id = await readyRecording([{ run: runB, firstSequence: 0, disc: 0 }]);
    const consume = createMp4ExportConsumer(exportDeps);
    const record = (messageId: string, body: string): SQSRecord => ({ messageId, body }) as SQSRecord;
    const response = await consume({ Records: [record('good', JSON.stringify({ recordingId: id })), record('hostile', '{"recordingId":"../../etc"}')] });
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: 'hostile' }]);
    assert.equal((await deps.recordings.get(id))?.mp4?.status, 'ready');
  });
});
