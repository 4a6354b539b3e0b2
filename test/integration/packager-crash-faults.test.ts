/**
 * A process dies hard in the middle of a recorded session: its packager had listed segments it never
 * stored. At the next start, scratch recovery stores every complete listed segment under the key that
 * packager would have used, removes the session's scratch folder, and a resumed packager continues after
 * the recovered numbers; the recording's VOD plan (what the finalizer builds from) holds every segment.
 */
import assert from 'node:assert/strict';
import { access, appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsObjectStore } from '../../adapters/fs-object-store';
import { parseSegmentFileName } from '../../core/media/layout';
import { newId } from '../../core/ids';
import { recordingIdFor } from '../../core/recordings/recording';
import { planVod } from '../../core/recordings/vod-plan';
import { silentLogger } from '../../core/ports/logger';
import type { ObjectStore, PutOptions, StoredObject } from '../../core/ports/object-store';
import { Packager, type PackagerSegmentEvent, type RenditionPlan } from '../../containers/ingest/src/packager';
import { readRunManifest } from '../../containers/ingest/src/packager/run-manifest';
import { recoverScratch } from '../../containers/ingest/src/packager/scratch-recovery';
import { startIngestApp } from '../../containers/ingest/src/ingest-app';
import type { SessionDeps } from '../../core/streams/publish-session';
import { noopMetrics } from '../../core/ports/metrics';
import { systemClock } from '../../core/ports/clock';
import { waitFor } from '../support/wait';

const RENDITIONS: RenditionPlan[] = [
  { name: '360p', bandwidth: 900_000, codecs: 'avc1.42c01e,mp4a.40.2', width: 640, height: 360 },
  { name: '180p', bandwidth: 300_000, codecs: 'avc1.42c01e,mp4a.40.2', width: 320, height: 180 },
];
const SOON = { timeoutMs: 5_000, intervalMs: 10 };
const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20 };
/** The folders here were just written by the test itself, not by an orphaned ffmpeg. */
const NO_QUIET_WAIT = { quietMs: 0 };

/**
 * The store as a process sees it: `refuse(key)` fails chosen puts (the upload the crash interrupted), and
 * after `kill()` nothing reaches the real store any more — the process is gone.
 */
class DyingStore implements ObjectStore {
  dead = false;
  constructor(
    readonly inner: ObjectStore,
    private readonly refuse: (key: string) => boolean = () => false,
  ) {}
  kill(): void {
    this.dead = true;
  }
  private check(key: string, write = false): void {
    if (this.dead || (write && this.refuse(key))) throw Object.assign(new Error(`injected: ${this.dead ? 'process gone' : 'upload interrupted'} (${key})`), { name: 'ServiceUnavailable' });
  }
  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<void> {
    this.check(key, true);
    await this.inner.put(key, body, options);
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    this.check(key);
    return this.inner.get(key);
  }
  async list(prefix: string): Promise<StoredObject[]> {
    this.check(prefix);
    return this.inner.list(prefix);
  }
  async delete(keys: ReadonlyArray<string>): Promise<void> {
    this.check(keys[0] ?? '');
    await this.inner.delete(keys);
  }
}

/** Plays ffmpeg's part: segment file first, then its list line (as the segment muxer does). */
async function writeSegment(runDir: string, rendition: string, index: number, listed = true): Promise<Buffer> {
  const dir = join(runDir, rendition);
  await mkdir(dir, { recursive: true });
  const name = `seg_${String(index).padStart(6, '0')}.ts`;
  const body = Buffer.alloc(188 * 4, 0x47);
  body.write(`${runDir}|${rendition}|${index}`, 1);
  await writeFile(join(dir, name), body);
  if (listed) await appendFile(join(dir, 'segments.csv'), `${name},${(index * 2).toFixed(6)},${(index * 2 + 2).toFixed(6)}\n`);
  return body;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('scratch recovery after a hard crash', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sp-crash-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores the listed, unstored segments of an abandoned packager under its keys, then removes scratch', async () => {
    // Prepare: a recorded session with two transcoder runs, laid out as the live session does.
    const fsStore = new FsObjectStore(join(root, 'media-1'));
    const streamId = newId('stream');
    const sessionId = newId('session');
    const recordingId = recordingIdFor(sessionId);
    const scratchRoot = join(root, 'scratch-1');
    const sessionDir = join(scratchRoot, streamId, `${sessionId}-${Date.now()}`);
    const exportWork = join(scratchRoot, 'mp4', 'sp-mp4-abc');
    await mkdir(exportWork, { recursive: true });
    await writeFile(join(exportWork, 'segments.txt'), 'not ours');

    // Uploads of run 1's third segment and of run 2 never complete: the process dies first.
    const dying = new DyingStore(fsStore, (key) => {
      const seg = parseSegmentFileName(key.slice(key.lastIndexOf('/') + 1));
      return seg !== undefined && seg.seq >= 2;
    });
    const crashed = new Packager({ streamId, recordingId, renditions: RENDITIONS, objectStore: dying, pollIntervalMs: 15, settleMs: 10, retry: FAST_RETRY });
    const published: PackagerSegmentEvent[] = [];
    crashed.on('segment', (s) => published.push(s));
    await crashed.start();
    const run1 = join(sessionDir, 'run-1');
    await crashed.attach(run1);
    const bodies = new Map<string, Buffer>();
    for (let i = 0; i < 3; i++) for (const r of RENDITIONS) bodies.set(`${r.name}/run1/${i}`, await writeSegment(run1, r.name, i));
    await waitFor('the first two positions to be stored', () => published.length === 4, SOON);
    const run2 = join(sessionDir, 'run-2');
    await crashed.attach(run2);
    for (let i = 0; i < 2; i++) for (const r of RENDITIONS) bodies.set(`${r.name}/run2/${i}`, await writeSegment(run2, r.name, i));
    // ffmpeg was writing index 2 when the plane died: on disk, not listed, incomplete.
    for (const r of RENDITIONS) await writeSegment(run2, r.name, 2, false);
    await waitFor('run 2 to be listed', () => crashed.stats().renditions['360p']?.pending === 3, SOON);
    assert.deepEqual(await readRunManifest(run2), { version: 1, streamId, recordingId, firstSequence: 3, discontinuitySequence: 1, renditions: ['360p', '180p'], attachedAt: (await readRunManifest(run2))!.attachedAt });

    // Act: SIGKILL — nothing the old process does reaches the store any more; then the next start recovers.
    dying.kill();
    await crashed.stop({ drainTimeoutMs: 0 });
    assert.ok(await exists(join(run1, '360p', 'seg_000002.ts')), 'the crashed packager left its listed segment on scratch');
    const report = await recoverScratch({ scratchRoot, store: fsStore, logger: silentLogger, retry: FAST_RETRY, ...NO_QUIET_WAIT });

    // Assess: the exact keys the packager would have used, with the scratch bytes, and nothing unlisted.
    assert.equal(report.stored, 6);
    assert.deepEqual(report.sessions, [{ streamId, sessionId, recordingId, stored: 6, discarded: 0, removed: true }]);
    for (const r of RENDITIONS) {
      const keys = (await fsStore.list(`recordings/${recordingId}/${r.name}/`)).map((o) => o.key.slice(o.key.lastIndexOf('/') + 1));
      assert.deepEqual(keys.sort((a, b) => parseSegmentFileName(a)!.seq - parseSegmentFileName(b)!.seq), ['0-2000-0.ts', '1-2000-0.ts', '2-2000-0.ts', '3-2000-1.ts', '4-2000-1.ts']);
      assert.deepEqual(Buffer.from((await fsStore.get(`recordings/${recordingId}/${r.name}/2-2000-0.ts`))!), bodies.get(`${r.name}/run1/2`));
      assert.deepEqual(Buffer.from((await fsStore.get(`recordings/${recordingId}/${r.name}/4-2000-1.ts`))!), bodies.get(`${r.name}/run2/1`));
    }
    assert.equal(await exists(join(scratchRoot, streamId)), false, 'the stream\'s scratch folder is gone');
    assert.deepEqual(await readdir(scratchRoot), ['mp4'], 'only what is not a session folder stays');
    assert.equal(await readFile(join(exportWork, 'segments.txt'), 'utf8'), 'not ours');

    // The finalizer builds the VOD from the store: every position of both runs, no gaps, one discontinuity.
    const vod = planVod(await fsStore.list(`recordings/${recordingId}/`), { recordingId });
    for (const r of vod.renditions) {
      assert.equal(r.playlist.segments.filter((s) => !s.gap).length, 5, `${r.name} holds every listed segment`);
      assert.equal(r.playlist.segments.filter((s) => s.discontinuity).length, 1);
    }

    // A reconnect resumes after the recovered numbers, with a new discontinuity number.
    const resumed = new Packager({ streamId, recordingId, renditions: RENDITIONS, objectStore: fsStore, pollIntervalMs: 15, settleMs: 10, retry: FAST_RETRY });
    const after: PackagerSegmentEvent[] = [];
    resumed.on('segment', (s) => after.push(s));
    await resumed.start();
    const run3 = join(root, 'scratch-1-later', 'run-1');
    await resumed.attach(run3);
    for (const r of RENDITIONS) await writeSegment(run3, r.name, 0);
    await waitFor('the resumed packager to store its first segment', () => after.length === 2, SOON);
    await resumed.stop({ endList: true });
    assert.deepEqual(after.map((s) => s.key.slice(s.key.lastIndexOf('/') + 1)), ['5-2000-2.ts', '5-2000-2.ts']);
  });

  it('drops what cannot be named or belongs to no recording, and keeps a folder whose upload failed', async () => {
    const fsStore = new FsObjectStore(join(root, 'media-2'));
    const scratchRoot = join(root, 'scratch-2');
    const streamId = newId('stream');
    // Not recorded: the live window moved on, no playlist can show these any more.
    const unrecorded = join(scratchRoot, streamId, `${newId('session')}-1`, 'run-1');
    const live = new Packager({ streamId, renditions: RENDITIONS, objectStore: new DyingStore(fsStore, () => true), pollIntervalMs: 15, settleMs: 10, retry: FAST_RETRY });
    await live.start();
    await live.attach(unrecorded);
    await live.stop({ drainTimeoutMs: 0 });
    await writeSegment(unrecorded, '360p', 0);
    // No manifest (written by an older version): its numbers cannot be proven.
    const unnamed = join(scratchRoot, streamId, `${newId('session')}-2`, 'run-1');
    await writeSegment(unnamed, '360p', 0);

    // A manifest that does not hold what a packager writes (here: a key outside the store) names nothing.
    const hostile = join(scratchRoot, streamId, `${newId('session')}-3`, 'run-1');
    await writeSegment(hostile, '360p', 0);
    await writeFile(join(hostile, 'run.json'), JSON.stringify({ version: 1, streamId, recordingId: '../../etc', firstSequence: -1, discontinuitySequence: 0, renditions: ['360p'], attachedAt: '' }));
    await assert.rejects(readRunManifest(hostile), (err: Error) => err.name === 'RunManifestError' && /recordingId/.test(err.message));

    const report = await recoverScratch({ scratchRoot, store: fsStore, logger: silentLogger, retry: FAST_RETRY, ...NO_QUIET_WAIT });
    assert.equal(report.stored, 0);
    assert.equal(report.discarded, 3);
    assert.equal(await exists(scratchRoot + '/' + streamId), false);
    assert.deepEqual(await fsStore.list(''), []);

    // A recorded run whose store is down at start-up stays on scratch for the next start.
    const sessionId = newId('session');
    const recordingId = recordingIdFor(sessionId);
    const recorded = join(scratchRoot, streamId, `${sessionId}-4`, 'run-1');
    const packager = new Packager({ streamId, recordingId, renditions: RENDITIONS, objectStore: new DyingStore(fsStore, (key) => key.endsWith('.ts')), pollIntervalMs: 15, settleMs: 10, retry: FAST_RETRY });
    await packager.start();
    await packager.attach(recorded);
    await writeSegment(recorded, '360p', 0);
    await writeSegment(recorded, '180p', 0);
    await packager.stop({ drainTimeoutMs: 0 });
    const down = await recoverScratch({ scratchRoot, store: new DyingStore(fsStore, (key) => key.endsWith('.ts')), logger: silentLogger, retry: { ...FAST_RETRY, maxAttempts: 2 }, ...NO_QUIET_WAIT });
    assert.equal(down.sessions[0]?.removed, false);
    assert.ok(await exists(join(recorded, '360p', 'seg_000000.ts')), 'kept: it could not be stored');
    const up = await recoverScratch({ scratchRoot, store: fsStore, logger: silentLogger, retry: FAST_RETRY, ...NO_QUIET_WAIT });
    assert.equal(up.stored, 2);
    assert.ok(await fsStore.get(`recordings/${recordingId}/360p/0-2000-0.ts`));
    assert.equal(await exists(join(scratchRoot, streamId)), false);
  });

  it('waits for an orphaned ffmpeg to finish its last segment before reading a session folder', async () => {
    const fsStore = new FsObjectStore(join(root, 'media-3'));
    const scratchRoot = join(root, 'scratch-3');
    const streamId = newId('stream');
    const sessionId = newId('session');
    const recordingId = recordingIdFor(sessionId);
    const run = join(scratchRoot, streamId, `${sessionId}-1`, 'run-1');
    const packager = new Packager({ streamId, recordingId, renditions: [RENDITIONS[0]!], objectStore: new DyingStore(fsStore, (key) => key.endsWith('.ts')), pollIntervalMs: 15, settleMs: 10, retry: FAST_RETRY });
    await packager.start();
    await packager.attach(run);
    await packager.stop({ drainTimeoutMs: 0 });
    await writeSegment(run, '360p', 0);
    // The plane is gone; its ffmpeg saw its input close and lists its last segment a moment later.
    const last = new Promise<void>((resolve) => setTimeout(() => void writeSegment(run, '360p', 1).then(() => resolve()), 100));

    const report = await recoverScratch({ scratchRoot, store: fsStore, logger: silentLogger, retry: FAST_RETRY, quietMs: 1_000 });
    await last;
    assert.equal(report.stored, 2, 'the segment listed after the crash is stored too');
    assert.ok(await fsStore.get(`recordings/${recordingId}/360p/1-2000-0.ts`));
    assert.equal(await exists(join(scratchRoot, streamId)), false);
  });

  it('at ingest start, before the listener accepts: stores, then queues finalization again for a session already over', async () => {
    // Prepare: a recorded run left on <dataDir>/scratch whose session the failover ended meanwhile.
    const dataDir = join(root, 'data-4');
    const fsStore = new FsObjectStore(join(dataDir, 'media'));
    const streamId = newId('stream');
    const sessionId = newId('session');
    const recordingId = recordingIdFor(sessionId);
    const run = join(dataDir, 'scratch', streamId, `${sessionId}-1`, 'run-1');
    const packager = new Packager({ streamId, recordingId, renditions: [RENDITIONS[0]!], objectStore: new DyingStore(fsStore, (key) => key.endsWith('.ts')), pollIntervalMs: 15, settleMs: 10, retry: FAST_RETRY });
    await packager.start();
    await packager.attach(run);
    await packager.stop({ drainTimeoutMs: 0 });
    await writeSegment(run, '360p', 0);
    const finalizations: unknown[] = [];
    const storeAtRecovery = { get: async (id: string) => (id === streamId ? { id, status: 'ended', sessionId } : undefined) } as unknown as SessionDeps['store'];

    // Act
    const app = await startIngestApp({
      config: { rtmpPort: 0, bind: '127.0.0.1', publicHost: '127.0.0.1', dataDir, ladder: [180], segmentSeconds: 2, liveWindowSegments: 6, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' },
      sessionDeps: { store: storeAtRecovery, emit: async () => undefined as never, clock: systemClock },
      emit: async () => undefined as never,
      objectStore: fsStore,
      authorize: async () => ({ ok: false, reason: 'unknown_key' }) as never,
      playbackBase: 'http://127.0.0.1',
      logger: silentLogger,
      metrics: noopMetrics,
      recordings: { startRecording: async () => undefined, enqueueFinalization: async (request) => void finalizations.push(request) },
    });
    try {
      // Assess
      assert.equal(app.recovered.stored, 1);
      assert.ok(await fsStore.get(`recordings/${recordingId}/360p/0-2000-0.ts`));
      assert.deepEqual(finalizations, [{ recordingId, streamId, sessionId }]);
      assert.equal(await exists(join(dataDir, 'scratch', streamId)), false);
    } finally {
      await app.stop();
    }
  });
});
