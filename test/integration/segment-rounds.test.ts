/**
 * Segment rounds end to end on a real S3 (s3rver) with real media (ffmpeg x264 + AAC, 2 s segments cut on
 * shared key frames): the real packager (`segmentRounds`) stores ONE object per segment round holding every
 * rendition's TS segment, and each rendition's playlist names its member with EXT-X-BYTERANGE; every named
 * range is a valid TS segment (ffprobe of the slice and of the playlist), S3 serves it as a Range GET, and
 * with playlist bundles a round costs 2 PUTs (round + bundle). A packager started after the first one is
 * lost skips an orphan round (stored, never named). A recorded session finalizes from rounds into VOD
 * playlists that play, and exports an MP4.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { livePlaylistBundleKey, parsePlaylistBundle } from '../../core/hls/playlist-bundle';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { newId } from '../../core/ids';
import { liveMediaPlaylistKey, liveRenditionPrefix, mp4Key, recordingPrefix, resolvePlaylistUri, roundKey, roundsPrefix, vodMasterPlaylistKey, vodMediaPlaylistKey } from '../../core/media/layout';
import { systemClock } from '../../core/ports/clock';
import { finalizeRecording, type FinalizeDeps } from '../../core/recordings/finalize';
import { recordingIdFor } from '../../core/recordings/recording';
import { startRecording } from '../../core/recordings/start';
import { Packager, type PackagerSegmentEvent, type RenditionPlan } from '../../containers/ingest/src/packager';
import { exportRecordingMp4 } from '../../containers/ingest/src/recordings/mp4-export';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { CountingStore } from '../support/counting-object-store';
import { startTestS3, type TestS3 } from '../support/local-s3';
import { recordingEmitter } from '../support/recorded-events';
import { decodes, encodeRun, probeDuration, TEST_RENDITIONS, type RunSegment } from '../support/recording-media';
import { waitFor } from '../support/wait';

const RENDITIONS: RenditionPlan[] = TEST_RENDITIONS.map((r) => ({ name: r.name, bandwidth: r.bandwidth, codecs: r.codecs, width: r.width as number, height: r.height as number }));
const SOON = { timeoutMs: 20_000, intervalMs: 20 };
const ROUNDS = 4;

describe('segment rounds (s3rver, real media, real packager, finalizer and MP4 export)', () => {
  let s3: TestS3;
  let dynamo: TestDynamo;
  let root: string;
  let run: RunSegment[];
  let store: CountingStore;
  const packagers: Packager[] = [];

  before(async () => {
    [s3, dynamo] = await Promise.all([startTestS3('streamplane-rounds'), startTestDynamo()]);
    root = await mkdtemp(join(tmpdir(), 'sp-rounds-'));
    run = await encodeRun(join(root, 'media'), ROUNDS * 2);
    store = new CountingStore(new S3ObjectStore({ bucket: s3.bucket, client: s3.client }));
  });
  after(async () => {
    for (const p of packagers.reverse()) await p.stop({ drainTimeoutMs: 2_000 });
    await Promise.all([s3?.stop(), dynamo?.stop()]);
    if (root) await rm(root, { recursive: true, force: true });
  });

  const newPackager = (streamId: string, extra: { playlistBundle?: object; recordingId?: string } = {}) => {
    const packager = new Packager({ streamId, renditions: RENDITIONS, objectStore: store, pollIntervalMs: 15, settleMs: 10, retry: { initialDelayMs: 5, maxDelayMs: 20 }, segmentRounds: { windowMs: 1000 }, ...extra });
    packagers.push(packager);
    const segments: PackagerSegmentEvent[] = [];
    packager.on('segment', (s) => segments.push(s));
    return { packager, segments };
  };

  /** Writes ffmpeg index `index` of every rendition into the run folder as ffmpeg does: the file, then its list line. */
  async function writeRound(runDir: string, index: number, segments: ReadonlyArray<RunSegment> = run): Promise<void> {
    for (const r of RENDITIONS) {
      const s = segments.find((x) => x.rendition === r.name && x.index === index) as RunSegment;
      const dir = join(runDir, r.name);
      await mkdir(dir, { recursive: true });
      const name = `seg_${String(index).padStart(6, '0')}.ts`;
      await writeFile(join(dir, name), s.body);
      const start = segments.filter((x) => x.rendition === r.name && x.index < index).reduce((n, x) => n + x.durationMs, 0) / 1000;
      await appendFile(join(dir, 'segments.csv'), `${name},${start.toFixed(6)},${(start + s.durationMs / 1000).toFixed(6)}\n`);
    }
  }

  /** Copies every object under `prefix` into `dir` by key, so ffprobe can read playlists and their ranges from disk. */
  async function mirror(prefixes: ReadonlyArray<string>, dir: string, extra: Record<string, string> = {}): Promise<void> {
    for (const prefix of prefixes) {
      for (const o of await store.list(prefix)) {
        const path = join(dir, ...o.key.split('/'));
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, (await store.get(o.key)) as Uint8Array);
      }
    }
    for (const [key, text] of Object.entries(extra)) {
      const path = join(dir, ...key.split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
    }
  }

  it('stores one object per round (2 PUTs per round with bundles), and every named range is a valid TS segment served by S3 as a Range GET', async () => {
    const streamId = newId('stream');
    const { packager, segments } = newPackager(streamId, { playlistBundle: {} });
    await packager.start();
    const runDir = join(root, 'run-1');
    await packager.attach(runDir);
    const before = new Map(store.puts);
    for (let i = 0; i < ROUNDS; i++) {
      await writeRound(runDir, i);
      await waitFor(`round ${i} published`, () => segments.length === (i + 1) * RENDITIONS.length, SOON);
    }
    const since = (predicate: (k: string) => boolean) => store.total(predicate) - [...before].filter(([k]) => predicate(k)).reduce((n, [, c]) => n + c, 0);
    const roundPuts = since((k) => k.startsWith(roundsPrefix(streamId)));
    const bundlePuts = since((k) => k === livePlaylistBundleKey(streamId));
    const otherTs = since((k) => k.endsWith('.ts') && !k.startsWith(roundsPrefix(streamId)));
    console.log(`# ${ROUNDS} rounds x ${RENDITIONS.length} renditions: ${roundPuts} round PUTs + ${bundlePuts} bundle PUTs = ${(roundPuts + bundlePuts) / ROUNDS} media PUTs per round (per-rendition objects: ${RENDITIONS.length} + bundle)`);
    assert.equal(otherTs, 0, 'no per-rendition segment object');
    assert.equal(roundPuts, ROUNDS);
    assert.equal(packager.roundPuts, ROUNDS);
    assert.equal(roundPuts + bundlePuts, 2 * ROUNDS, 'one round PUT and one bundle PUT per round');

    // Every segment event names the round key and its range.
    for (const s of segments) {
      assert.ok(s.key.startsWith(roundsPrefix(streamId)), s.key);
      assert.ok(s.byteRange && s.byteRange.length > 0);
    }

    const bundle = parsePlaylistBundle(Buffer.from((await store.get(livePlaylistBundleKey(streamId)))!).toString('utf8'))!;
    const work = join(root, 'probe-1');
    const playlists: Record<string, string> = {};
    for (const r of RENDITIONS) {
      const text = bundle.get(r.name) as string;
      // Ended on disk so ffmpeg reads the window once instead of waiting for a reload; the lines are the live ones.
      playlists[liveMediaPlaylistKey(streamId, r.name)] = `${text}#EXT-X-ENDLIST\n`;
      const playlist = parseMediaPlaylist(text);
      assert.equal(playlist.version, 4);
      assert.equal(playlist.segments.length, ROUNDS);
      for (const [i, seg] of playlist.segments.entries()) {
        assert.ok(seg.byteRange, `${r.name} #${i} has a byte range`);
        const key = resolvePlaylistUri(liveRenditionPrefix(streamId, r.name), seg.uri) as string;
        assert.ok(key.startsWith(roundsPrefix(streamId)), key);
        const object = (await store.get(key)) as Uint8Array;
        const slice = object.subarray(seg.byteRange.offset, seg.byteRange.offset + seg.byteRange.length);
        const expected = run.find((x) => x.rendition === r.name && x.index === i) as RunSegment;
        assert.deepEqual(Buffer.from(slice), expected.body, `${r.name} #${i}: the range holds exactly the segment`);
        // S3 serves the range (what CloudFront forwards on a cache miss).
        const ranged = await fetch(`${s3.endpoint}/${s3.bucket}/${key}`, { headers: { range: `bytes=${seg.byteRange.offset}-${seg.byteRange.offset + seg.byteRange.length - 1}` } });
        assert.equal(ranged.status, 206);
        assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), expected.body);
        if (i === 1) {
          const file = join(work, `${r.name}-${i}.ts`);
          await mkdir(work, { recursive: true });
          await writeFile(file, slice);
          const probed = await probeDuration(file);
          assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], `${r.name} slice is a TS segment with video and audio`);
          assert.ok(Math.abs(probed.duration - 2) < 0.2, `${r.name} slice lasts ~2 s, got ${probed.duration}`);
        }
      }
    }
    // The playlists themselves play (ffmpeg's HLS demuxer honours the ranges).
    await mirror([roundsPrefix(streamId)], work, playlists);
    for (const r of RENDITIONS) {
      const path = join(work, ...liveMediaPlaylistKey(streamId, r.name).split('/'));
      const probed = await probeDuration(path);
      assert.ok(Math.abs(probed.duration - ROUNDS * 2) < 0.5, `${r.name} plays ~${ROUNDS * 2} s, got ${probed.duration}`);
      const decoded = await decodes(path);
      assert.ok(decoded.ok, decoded.stderr);
    }

    // A task is lost right after storing a round whose playlist it never wrote: its sequence is never reused.
    const orphan = roundKey(streamId, { seq: ROUNDS, disc: 0, members: [{ rendition: RENDITIONS[0]!.name, durationMs: 2000, bytes: 188 }] });
    await store.put(orphan, Buffer.alloc(188, 0x47), { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' });
    const next = newPackager(streamId, { playlistBundle: {} });
    await next.packager.start();
    const runDir2 = join(root, 'run-2');
    await next.packager.attach(runDir2);
    await writeRound(runDir2, 0);
    await waitFor('the resumed round published', () => next.segments.length === RENDITIONS.length, SOON);
    assert.deepEqual(next.segments.map((s) => s.sequence), RENDITIONS.map(() => ROUNDS + 1), 'continues after the orphan round');
    assert.ok(next.segments.every((s) => s.discontinuity), 'a discontinuity marks the new run');
    const resumed = parseMediaPlaylist(parsePlaylistBundle(Buffer.from((await store.get(livePlaylistBundleKey(streamId)))!).toString('utf8'))!.get(RENDITIONS[0]!.name) as string);
    assert.equal(resumed.mediaSequence + resumed.segments.length, ROUNDS + 2);
    assert.ok(resumed.segments.at(-2)?.gap, 'the orphan\'s position is a gap, never its bytes');
  });

  it('a recorded session finalizes from rounds: VOD playlists with byte ranges that play, and an MP4 export', async () => {
    const streams = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const recordings = new DynamoDbRecordingStore({ tableName: TEST_TABLE, client: dynamo.client });
    const deps: FinalizeDeps = { recordings, streams, objectStore: store, emit: recordingEmitter(streams, systemClock).emit, clock: systemClock, playbackBase: 'http://127.0.0.1' };
    const streamId = newId('stream');
    const sessionId = newId('session');
    const recordingId = recordingIdFor(sessionId);
    await startRecording(deps, { streamId, sessionId });
    const { packager, segments } = newPackager(streamId, { recordingId });
    await packager.start();
    const runDir = join(root, 'run-rec');
    await packager.attach(runDir);
    for (let i = 0; i < ROUNDS; i++) await writeRound(runDir, i);
    await waitFor('every round published', () => segments.length === ROUNDS * RENDITIONS.length, SOON);
    await packager.stop({ endList: true });
    assert.equal((await store.list(roundsPrefix(streamId, recordingId))).length, ROUNDS);
    assert.equal((await store.list(`${recordingPrefix(recordingId)}${RENDITIONS[0]!.name}/`)).length, 0, 'no per-rendition segment objects');

    assert.equal((await finalizeRecording(deps, { recordingId, streamId, sessionId })).outcome, 'ready');
    const vod = parseMediaPlaylist(Buffer.from((await store.get(vodMediaPlaylistKey(recordingId, RENDITIONS[1]!.name)))!).toString('utf8'));
    assert.equal(vod.segments.length, ROUNDS);
    assert.ok(vod.segments.every((s) => s.byteRange && s.uri.startsWith('../rounds/')));
    const work = join(root, 'probe-rec');
    await mirror([recordingPrefix(recordingId)], work);
    const master = join(work, ...vodMasterPlaylistKey(recordingId).split('/'));
    const probed = await probeDuration(master);
    assert.ok(Math.abs(probed.duration - ROUNDS * 2) < 0.5, `the VOD plays ~${ROUNDS * 2} s, got ${probed.duration}`);
    for (const r of RENDITIONS) {
      const decoded = await decodes(join(work, ...vodMediaPlaylistKey(recordingId, r.name).split('/')));
      assert.ok(decoded.ok, `${r.name}: ${decoded.stderr}`);
    }

    const exported = await exportRecordingMp4({ recordings, objectStore: store, clock: systemClock, source: { objects: true }, scratchDir: join(root, 'mp4-scratch') }, recordingId);
    assert.equal(exported.status, 'ready', JSON.stringify(exported));
    const mp4 = join(root, 'recording.mp4');
    await writeFile(mp4, (await store.get(mp4Key(recordingId)))!);
    const mp4Probe = await probeDuration(mp4);
    assert.ok(Math.abs(mp4Probe.duration - ROUNDS * 2) < 0.5, `the MP4 lasts ~${ROUNDS * 2} s, got ${mp4Probe.duration}`);
    assert.equal(mp4Probe.streams.find((s) => s.codec_type === 'video')?.width, 640, 'the top rendition');
  });
});
