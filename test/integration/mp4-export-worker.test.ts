/**
 * The MP4 export worker as its Fargate task runs it (containers/ingest/src/recordings/export-worker.ts):
 * real ffmpeg, the recording in dynalite, its segments in s3rver read through the S3 adapter (never the
 * CDN), the MP4 written back to s3rver; a broken recording is marked failed and leaves nothing behind; the
 * task's entry refuses a missing recording id with a clear message and a non-zero exit.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import { type FinalizeDeps, finalizeRecording } from '../../core/recordings/finalize';
import { requestMp4Export } from '../../core/recordings/mp4-requests';
import { recordingIdFor } from '../../core/recordings/recording';
import { startRecording } from '../../core/recordings/start';
import { runExportWorker } from '../../containers/ingest/src/recordings/export-worker';
import type { ExportWorkerConfig } from '../../containers/ingest/src/recordings/export-worker-config';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { startTestS3, type TestS3 } from '../support/local-s3';
import { recordingEmitter } from '../support/recorded-events';
import { decodes, encodeRun, placeRun, probeDuration, type RunSegment } from '../support/recording-media';

const execFileAsync = promisify(execFile);

describe('MP4 export worker (real ffmpeg, dynalite, s3rver)', () => {
  let dynamo: TestDynamo;
  let s3: TestS3;
  let media: string;
  let scratch: string;
  let run: RunSegment[];
  let deps: FinalizeDeps;
  let store: S3ObjectStore;

  before(async () => {
    [dynamo, s3] = await Promise.all([startTestDynamo(), startTestS3()]);
    media = await mkdtemp(join(tmpdir(), 'sp-worker-media-'));
    scratch = await mkdtemp(join(tmpdir(), 'sp-worker-scratch-'));
    run = await encodeRun(join(media, 'a'), 8);
    store = new S3ObjectStore({ bucket: s3.bucket, client: s3.client });
    const streams = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const recordings = new DynamoDbRecordingStore({ tableName: TEST_TABLE, client: dynamo.client });
    deps = { recordings, streams, objectStore: store, emit: recordingEmitter(streams, systemClock).emit, clock: systemClock, playbackBase: 'https://cdn.invalid' };
  });

  after(async () => {
    await Promise.all([dynamo?.stop(), s3?.stop()]);
    await rm(media, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  async function readyRecording(options: { skip?: (s: RunSegment) => boolean } = {}): Promise<string> {
    const streamId = newId('stream');
    const sessionId = newId('session');
    const recordingId = recordingIdFor(sessionId);
    await startRecording(deps, { streamId, sessionId });
    await placeRun(store, recordingId, run, { firstSequence: 0, disc: 0, ...options });
    assert.equal((await finalizeRecording(deps, { recordingId, streamId, sessionId })).outcome, 'ready');
    await requestMp4Export(deps, recordingId);
    return recordingId;
  }

  const configFor = (recordingId: string): ExportWorkerConfig => ({
    recordingId,
    mediaBucket: s3.bucket,
    tableName: TEST_TABLE,
    dataDir: scratch,
    ffmpegPath: 'ffmpeg',
    logLevel: 'error',
    timeoutMs: 120_000,
  });

  it('exports a ready recording from the bucket into recording.mp4 (video/mp4), plays for its length, and records it ready', async () => {
    const id = await readyRecording();

    const result = await runExportWorker(configFor(id), silentLogger, { dynamo: dynamo.client, s3: s3.client });

    assert.equal(result.status, 'ready');
    const key = `recordings/${id}/recording.mp4`;
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    assert.equal(head.ContentType, 'video/mp4');
    const body = await (await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body?.transformToByteArray();
    assert.ok(body && body.length > 0);
    const local = join(media, `${id}.mp4`);
    await writeFile(local, body);
    const probed = await probeDuration(local);
    assert.ok(Math.abs(probed.duration - 8) <= 0.5, `mp4 plays ${probed.duration} s`);
    assert.equal(probed.streams.find((s) => s.codec_type === 'video')?.width, 640, 'the top rendition');
    const decoded = await decodes(local);
    assert.ok(decoded.ok, decoded.stderr);
    const record = await deps.recordings.get(id);
    assert.equal(record?.mp4?.status, 'ready');
    assert.equal(record?.mp4?.bytes, body.length);
    assert.deepEqual(await readdir(join(scratch, 'exports')), [], 'the staged segments and the MP4 are gone from the task disk');
  });

  it('marks the export failed when a segment the VOD playlist names is missing from the bucket, writing no MP4', async () => {
    const id = await readyRecording();
    const segments = (await store.list(`recordings/${id}/`)).filter((o) => o.key.endsWith('.ts') && o.key.includes('/360p/'));
    assert.ok(segments.length > 1);
    await store.delete([segments[1]!.key]);

    const result = await runExportWorker(configFor(id), silentLogger, { dynamo: dynamo.client, s3: s3.client });

    assert.equal(result.status, 'failed');
    const record = await deps.recordings.get(id);
    assert.equal(record?.mp4?.status, 'failed');
    assert.match(record?.mp4?.error ?? '', /segment .* is missing/);
    assert.equal((await store.list(`recordings/${id}/recording.mp4`)).length, 0);
    assert.deepEqual(await readdir(join(scratch, 'exports')), []);
  });

  it('exits 1 naming the variable when the task was started without a recording id', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, STREAMPLANE_MEDIA_BUCKET: 'media-bucket', STREAMPLANE_TABLE_NAME: 'table' };
    const outcome = await execFileAsync(process.execPath, ['--import', 'tsx', 'containers/ingest/src/export-main.ts'], { env, timeout: 60_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /STREAMPLANE_EXPORT_RECORDING_ID/);
  });
});
