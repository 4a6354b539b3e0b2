import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { access, appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { FsObjectStore } from '../../adapters/fs-object-store';
import { parseMediaPlaylist, type ParsedMediaPlaylist } from '../../core/hls/playlist';
import { parseSegmentFileName, segmentFileName } from '../../core/media/layout';
import { LIVE_OBJECT_REFRESH_MS, liveRetentionCoversRefresh } from '../../core/media/live-refresh';
import { recordingIdFor } from '../../core/recordings/recording';
import { planVod } from '../../core/recordings/vod-plan';
import type { PutOptions } from '../../core/ports/object-store';
import { CountingStore } from '../support/counting-object-store';
import { LineTailer } from '../../containers/ingest/src/packager/csv-tailer';
import { Packager, type PackagerOptions, type PackagerSegmentEvent, type RenditionPlan } from '../../containers/ingest/src/packager';
import { waitFor } from '../support/wait';

const STREAM = 'st_packagertest0000000';
const RENDITIONS: RenditionPlan[] = [
  { name: '720p', bandwidth: 3_000_000, codecs: 'avc1.64001f,mp4a.40.2', width: 1280, height: 720, fps: 30 },
  { name: '360p', bandwidth: 900_000, codecs: 'avc1.42c01e,mp4a.40.2', width: 640, height: 360, fps: 30 },
];

/**
 * Wraps the real store and checks, at the moment each playlist is written, what players rely on: every
 * non-gap segment it names is already stored, and numbering never goes back. Can hold or fail puts.
 */
class CheckingStore extends CountingStore {
  readonly violations: string[] = [];
  private readonly lastSeen = new Map<string, { mediaSequence: number; next: number }>();
  /** Key → how many more puts of it fail. */
  readonly failures = new Map<string, number>();
  /** Key → promise the put waits for (after failing), to observe the state while an upload is stuck. */
  readonly gates = new Map<string, Promise<void>>();
  /** Every stored segment any playlist ever named: what a live viewer could have fetched. */
  readonly named = new Set<string>();

  override async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<void> {
    this.count(key);
    const failuresLeft = this.failures.get(key) ?? 0;
    if (failuresLeft > 0) {
      this.failures.set(key, failuresLeft - 1);
      throw Object.assign(new Error('injected: store unavailable'), { name: 'ServiceUnavailable' });
    }
    await this.gates.get(key);
    if (key.endsWith('/index.m3u8')) await this.check(key, typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    await this.inner.put(key, body, options);
  }

  private async check(key: string, text: string): Promise<void> {
    const playlist = parseMediaPlaylist(text);
    const dir = key.slice(0, key.lastIndexOf('/') + 1);
    for (const [i, segment] of playlist.segments.entries()) {
      if (short(segment.uri) !== `${playlist.mediaSequence + i}.ts`) this.violations.push(`${key}: position ${i} is ${segment.uri}, not sequence ${playlist.mediaSequence + i}`);
      if (!segment.gap && !(await this.inner.get(resolveUri(dir, segment.uri)))) this.violations.push(`${key}: names ${segment.uri} before it was stored`);
      if (!segment.gap) this.named.add(resolveUri(dir, segment.uri));
    }
    const next = playlist.mediaSequence + playlist.segments.length;
    const last = this.lastSeen.get(key);
    if (last && (playlist.mediaSequence < last.mediaSequence || next < last.next)) this.violations.push(`${key}: went back from ${JSON.stringify(last)} to ${playlist.mediaSequence}/${next}`);
    this.lastSeen.set(key, { mediaSequence: playlist.mediaSequence, next });
  }
}

/** `<seq>-<ms>-<disc>.ts`, wherever it is stored, as `<seq>.ts`: what these tests assert on is numbering. */
function short(uri: string): string {
  const name = uri.slice(uri.lastIndexOf('/') + 1);
  const seq = parseSegmentFileName(name)?.seq;
  return seq === undefined ? name : `${seq}.ts`;
}

/** An object key from a playlist's folder and a relative URI (`../../../recordings/…`). */
function resolveUri(dir: string, uri: string): string {
  const parts = dir.split('/').filter(Boolean);
  for (const part of uri.split('/')) {
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** The key of a stored segment, for the default 2 s duration and the given discontinuity number. */
function liveKey(rendition: string, seq: number, disc = 0): string {
  return `live/${STREAM}/${rendition}/${segmentFileName({ seq, durationMs: 2000, disc })}`;
}

/** Plays ffmpeg's part: segment file first, then its list line (as the segment muxer does). */
async function writeSegment(runDir: string, rendition: string, index: number, options: { start?: number; duration?: number } = {}): Promise<Buffer> {
  const duration = options.duration ?? 2;
  const start = options.start ?? index * 2;
  const dir = join(runDir, rendition);
  await mkdir(dir, { recursive: true });
  const name = `seg_${String(index).padStart(6, '0')}.ts`;
  const body = Buffer.alloc(188 * 4, 0xff);
  body.write(`${runDir}|${rendition}|${index}`, 0);
  await writeFile(join(dir, name), body);
  await appendFile(join(dir, 'segments.csv'), `${name},${start.toFixed(6)},${(start + duration).toFixed(6)}\n`);
  return body;
}

/** The packager publishes within milliseconds: poll often, give up after a few seconds. */
const SOON = { timeoutMs: 5_000, intervalMs: 10 };

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('Packager', () => {
  let root: string;
  let fsStore: FsObjectStore;
  let store: CheckingStore;
  let runCounter = 0;
  const packagers: Packager[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sp-packager-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const p of packagers.splice(0)) await p.stop({ drainTimeoutMs: 2_000 });
    assert.deepEqual(store.violations, [], 'a playlist named a missing segment or went back');
  });

  function freshStore(): void {
    fsStore = new FsObjectStore(join(root, `store-${++runCounter}`));
    store = new CheckingStore(fsStore);
  }
  function newRunDir(): string {
    return join(root, 'scratch', `run-${++runCounter}`);
  }
  function newPackager(overrides: Partial<PackagerOptions> = {}): { packager: Packager; segments: PackagerSegmentEvent[]; lives: number[] } {
    const packager = new Packager({
      streamId: STREAM,
      renditions: RENDITIONS,
      objectStore: store,
      pollIntervalMs: 15,
      settleMs: 10,
      retry: { initialDelayMs: 5, maxDelayMs: 20 },
      ...overrides,
    });
    packagers.push(packager);
    const segments: PackagerSegmentEvent[] = [];
    const lives: number[] = [];
    packager.on('segment', (s) => segments.push(s));
    packager.on('live', () => lives.push(Date.now()));
    return { packager, segments, lives };
  }
  async function playlist(rendition: string): Promise<ParsedMediaPlaylist> {
    const body = await fsStore.get(`live/${STREAM}/${rendition}/index.m3u8`);
    assert.ok(body, `no playlist for ${rendition}`);
    return parseMediaPlaylist(Buffer.from(body).toString('utf8'));
  }
  const uris = (p: ParsedMediaPlaylist): string[] => p.segments.map((s) => (s.gap ? `gap:${short(s.uri)}` : s.discontinuity ? `disc:${short(s.uri)}` : short(s.uri)));

  it('uploads each listed segment under its own sequence, then its playlist, then goes live once', async () => {
    freshStore();
    const { packager, segments, lives } = newPackager();
    await packager.start();
    const run = newRunDir();
    await packager.attach(run);
    const bodies = new Map<string, Buffer>();
    for (let i = 0; i < 3; i++) for (const r of ['720p', '360p']) bodies.set(`${r}/${i}`, await writeSegment(run, r, i));

    await waitFor('six segments', () => segments.length === 6, SOON);
    await waitFor('live', () => lives.length === 1, SOON);
    for (const [name, body] of bodies) {
      const [rendition, seq] = name.split('/');
      assert.deepEqual(Buffer.from((await fsStore.get(liveKey(rendition!, Number(seq))))!), body);
      assert.equal(await exists(join(run, rendition!, `seg_00000${seq}.ts`)), false, 'scratch copy deleted after upload');
    }
    const p720 = await playlist('720p');
    assert.equal(p720.mediaSequence, 0);
    assert.equal(p720.targetDuration, 2);
    assert.deepEqual(uris(p720), ['0.ts', '1.ts', '2.ts']);
    assert.ok(p720.segments.every((s) => s.programDateTime), 'every segment carries a program date-time');
    const master = Buffer.from((await fsStore.get(`live/${STREAM}/master.m3u8`))!).toString();
    assert.match(master, /RESOLUTION=1280x720,FRAME-RATE=30\.000\n720p\/index\.m3u8\n/);
    assert.match(master, /360p\/index\.m3u8\n$/);

    // A line written in two parts (ffmpeg mid-write) is read once, whole.
    await writeFile(join(run, '720p', 'seg_000003.ts'), Buffer.alloc(188));
    await appendFile(join(run, '720p', 'segments.csv'), 'seg_000003.ts,6.000');
    await appendFile(join(run, '720p', 'segments.csv'), '000,8.000000\n');
    await writeSegment(run, '360p', 3);
    await waitFor('segment 3', () => segments.length === 8, SOON);
    assert.deepEqual(uris(await playlist('720p')), ['0.ts', '1.ts', '2.ts', '3.ts']);
    assert.equal(lives.length, 1, 'live is announced once per session');

    const stats = packager.stats();
    assert.equal(stats.renditions['720p']?.segmentsUploaded, 4);
    assert.equal(stats.renditions['720p']?.lastSequence, 3);
    assert.equal(stats.renditions['720p']?.pending, 0);
    assert.ok((stats.renditions['720p']?.maxUploadMs ?? -1) >= 0);
  });

  it('continues numbering across transcoder restarts with a discontinuity, keeping renditions aligned', async () => {
    freshStore();
    const { packager, segments } = newPackager({ liveWindow: 4 });
    await packager.start();
    const released: string[] = [];
    packager.on('released', (e) => released.push(e.scratchDir));

    const run1 = newRunDir();
    await packager.attach(run1);
    // ffmpeg crashed after 720p listed segment 2 but before 360p did.
    for (const r of ['720p', '360p']) for (let i = 0; i < 2; i++) await writeSegment(run1, r, i);
    await writeSegment(run1, '720p', 2);
    await waitFor('first run', () => segments.length === 5, SOON);

    const run2 = newRunDir();
    await packager.attach(run2);
    await waitFor('first run released', () => released.includes(run1), SOON);
    for (const r of ['720p', '360p']) await writeSegment(run2, r, 0, { start: 0 });
    await waitFor('second run', () => segments.length === 7, SOON);

    // Index 0 of the second run is sequence 3 in both renditions; 360p never got 2, so 2 is a gap there.
    assert.deepEqual(uris(await playlist('720p')), ['0.ts', '1.ts', '2.ts', 'disc:3.ts']);
    assert.deepEqual(uris(await playlist('360p')), ['0.ts', '1.ts', 'gap:2.ts', 'disc:3.ts']);
    assert.deepEqual(await fsStore.list(`live/${STREAM}/360p/2-`), [], 'a gap is not uploaded');
    for (const r of ['720p', '360p']) {
      assert.equal(segments.find((s) => s.rendition === r && s.sequence === 3)?.discontinuity, true, `${r} reports the discontinuity`);
    }

    // Slide the discontinuity out of the 4-segment window: the discontinuity sequence takes it over.
    for (let i = 1; i <= 4; i++) for (const r of ['720p', '360p']) await writeSegment(run2, r, i, { start: i * 2 });
    await waitFor('sliding', () => segments.length === 15, SOON);
    for (const r of ['720p', '360p']) {
      const p = await playlist(r);
      assert.equal(p.mediaSequence, 4);
      assert.equal(p.discontinuitySequence, 1);
      assert.deepEqual(uris(p), ['4.ts', '5.ts', '6.ts', '7.ts']);
    }
    assert.ok(await fsStore.get(liveKey('720p', 0)), 'segments that left the window are kept (retention removes them)');
  });

  it('resumes numbering from the store in a new packager (plane restart, encoder reconnect)', async () => {
    freshStore();
    const first = newPackager();
    await first.packager.start();
    const run1 = newRunDir();
    await first.packager.attach(run1);
    for (let i = 0; i < 3; i++) for (const r of ['720p', '360p']) await writeSegment(run1, r, i);
    await waitFor('first session', () => first.segments.length === 6, SOON);
    await first.packager.stop(); // the plane died mid-session: no ENDLIST
    // A crash between an upload and its playlist write left 720p/3.ts stored but unlisted.
    await fsStore.put(liveKey('720p', 3), 'orphan', { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' });

    const second = newPackager();
    await second.packager.start();
    const run2 = newRunDir();
    await second.packager.attach(run2);
    for (const r of ['720p', '360p']) await writeSegment(run2, r, 0, { start: 0 });
    await waitFor('second session', () => second.segments.length === 2, SOON);
    await waitFor('second session live', () => second.lives.length === 1, SOON);
    assert.deepEqual(uris(await playlist('360p')), ['0.ts', '1.ts', '2.ts', 'gap:3.ts', 'disc:4.ts'], 'viewers keep the window; 3 is taken');
    assert.deepEqual(uris(await playlist('720p')), ['0.ts', '1.ts', '2.ts', 'gap:3.ts', 'disc:4.ts'], 'the orphan is not reused, and stays aligned');
    assert.equal(Buffer.from((await fsStore.get(liveKey('720p', 3)))!).toString(), 'orphan');
    assert.equal((await playlist('720p')).discontinuitySequence, 0);

    await second.packager.stop({ endList: true });
    const ended = await playlist('360p');
    assert.equal(ended.endList, true);
    assert.equal(short(ended.segments.at(-1)?.uri ?? ''), '4.ts');

    // A new session after an ended one: numbering continues, the old tail is not replayed.
    const third = newPackager();
    await third.packager.start();
    const run3 = newRunDir();
    await third.packager.attach(run3);
    for (const r of ['720p', '360p']) await writeSegment(run3, r, 0, { start: 0 });
    await waitFor('third session', () => third.segments.length === 2, SOON);
    const resumed = await playlist('360p');
    assert.equal(resumed.endList, false);
    assert.deepEqual(uris(resumed), ['disc:5.ts']);
    assert.equal(resumed.discontinuitySequence, 1, 'segment 5 is in the second discontinuity after 0');
  });

  it('retries failed uploads, keeping the segment on scratch and out of playlists until stored', async () => {
    freshStore();
    const { packager, segments } = newPackager();
    const key = liveKey('720p', 1);
    store.failures.set(key, 2);
    let open!: () => void;
    store.gates.set(key, new Promise<void>((resolve) => (open = resolve)));
    await packager.start();
    const run = newRunDir();
    await packager.attach(run);
    for (let i = 0; i < 3; i++) for (const r of ['720p', '360p']) await writeSegment(run, r, i);

    await waitFor('retries of the failing upload', () => (store.puts.get(key) ?? 0) >= 3, SOON);
    await waitFor('360p unaffected', () => segments.filter((s) => s.rendition === '360p').length === 3, SOON);
    assert.equal(await exists(join(run, '720p', 'seg_000001.ts')), true, 'kept on scratch while not stored');
    assert.deepEqual(uris(await playlist('720p')), ['0.ts'], 'later segments wait: playlists stay consecutive');

    open();
    await waitFor('all segments after recovery', () => segments.length === 6, SOON);
    assert.deepEqual(uris(await playlist('720p')), ['0.ts', '1.ts', '2.ts']);
    assert.equal(await exists(join(run, '720p', 'seg_000001.ts')), false);
    assert.equal(packager.stats().renditions['720p']?.uploadRetries, 2);
  });

  it('drains listed segments on stop and ignores hostile or broken list lines', async () => {
    freshStore();
    const { packager } = newPackager();
    await packager.start();
    const run = newRunDir();
    await packager.attach(run);
    await mkdir(join(run, '720p'), { recursive: true });
    await writeFile(join(root, 'scratch', 'evil.ts'), 'outside');
    await appendFile(join(run, '720p', 'segments.csv'), '../../evil.ts,0.0,2.0\nnot a line\nseg_000000.ts,2.0,2.0\n');
    for (const r of ['720p', '360p']) for (let i = 1; i < 3; i++) await writeSegment(run, r, i);
    const stats = await packager.stop({ endList: true });

    assert.equal(stats.state, 'stopped');
    assert.equal(stats.renditions['720p']?.segmentsUploaded, 2);
    assert.equal(stats.renditions['720p']?.pending, 0);
    assert.deepEqual(uris(await playlist('720p')), ['1.ts', '2.ts']);
    assert.equal((await playlist('720p')).endList, true);
    assert.equal(await exists(join(root, 'scratch', 'evil.ts')), true, 'a hostile name is never read or deleted');
    assert.deepEqual((await fsStore.list(`live/${STREAM}/`)).map((o) => o.key).filter((k) => k.includes('evil')), []);
  });

  it('stores a recorded session under its recording, named for the finalizer, with its rendition plan', async () => {
    freshStore();
    const recordingId = recordingIdFor('ses_packagerrecordingaaa');
    const first = newPackager({ recordingId });
    await first.packager.start();
    const run1 = newRunDir();
    await first.packager.attach(run1);
    for (let i = 0; i < 3; i++) for (const r of ['720p', '360p']) await writeSegment(run1, r, i, { duration: 2.002 });
    await waitFor('first run', () => first.segments.length === 6, SOON);
    await first.packager.stop();

    const stored = (await fsStore.list(`recordings/${recordingId}/720p/`)).map((o) => o.key);
    assert.deepEqual(stored, [0, 1, 2].map((seq) => `recordings/${recordingId}/720p/${seq}-2002-0.ts`));
    assert.deepEqual((await fsStore.list(`live/${STREAM}/`)).filter((o) => o.key.endsWith('.ts')), [], 'nothing recorded sits under live/');
    const live = await playlist('720p');
    assert.deepEqual(live.segments.map((s) => s.uri), [0, 1, 2].map((seq) => `../../../recordings/${recordingId}/720p/${seq}-2002-0.ts`));
    const plan = JSON.parse(Buffer.from((await fsStore.get(`recordings/${recordingId}/renditions.json`))!).toString('utf8'));
    assert.deepEqual(plan.map((r: { name: string }) => r.name), ['720p', '360p']);

    // The encoder reconnects with another ladder: same session, same recording, the plan is the union.
    const audio = { name: 'audio', bandwidth: 128_000, codecs: 'mp4a.40.2' };
    const second = newPackager({ recordingId, renditions: [RENDITIONS[0]!, audio] });
    await second.packager.start();
    const run2 = newRunDir();
    await second.packager.attach(run2);
    for (const r of ['720p', 'audio']) await writeSegment(run2, r, 0, { start: 0 });
    await waitFor('second run', () => second.segments.length === 2, SOON);
    await second.packager.stop({ endList: true });

    const union = JSON.parse(Buffer.from((await fsStore.get(`recordings/${recordingId}/renditions.json`))!).toString('utf8'));
    assert.deepEqual(union.map((r: { name: string }) => r.name), ['720p', '360p', 'audio']);
    assert.ok(await fsStore.get(`recordings/${recordingId}/720p/3-2000-1.ts`), 'numbering continues with the next discontinuity number');
    // Everything a live viewer could fetch is in what the finalizer will plan from.
    const planned = new Set(
      planVod(await fsStore.list(`recordings/${recordingId}/`), { recordingId }).renditions.flatMap((r) =>
        r.playlist.segments.filter((seg) => !seg.gap).map((seg) => `recordings/${recordingId}/${r.name}/${seg.uri}`),
      ),
    );
    assert.ok(store.named.size >= 8);
    for (const key of store.named) assert.ok(planned.has(key), `${key} is missing from the recording`);
  });

  it('resumes a recorded session from its recording folder, past an orphan and its discontinuity number', async () => {
    freshStore();
    const recordingId = recordingIdFor('ses_packagerorphanaaaaaa');
    const first = newPackager({ recordingId });
    await first.packager.start();
    const run1 = newRunDir();
    await first.packager.attach(run1);
    for (let i = 0; i < 2; i++) for (const r of ['720p', '360p']) await writeSegment(run1, r, i);
    await waitFor('first run', () => first.segments.length === 4, SOON);
    await first.packager.stop();
    // A crash right after the first upload of a new run (discontinuity 1), before its playlist write.
    await fsStore.put(`recordings/${recordingId}/720p/2-2000-1.ts`, 'orphan', { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' });

    const second = newPackager({ recordingId });
    await second.packager.start();
    const run2 = newRunDir();
    await second.packager.attach(run2);
    for (const r of ['720p', '360p']) await writeSegment(run2, r, 0, { start: 0 });
    await waitFor('second run', () => second.segments.length === 2, SOON);

    assert.ok(await fsStore.get(`recordings/${recordingId}/720p/3-2000-2.ts`), 'not 2 (taken), and a discontinuity number above the orphan\'s');
    assert.equal(Buffer.from((await fsStore.get(`recordings/${recordingId}/720p/2-2000-1.ts`))!).toString(), 'orphan');
  });

  it('keeps the DVR window of a recorded session across a new packager (plane restart, reconnect)', async () => {
    freshStore();
    const recordingId = recordingIdFor('ses_packagerdvrresumeaaa');
    const dvr = async (rendition: string): Promise<ParsedMediaPlaylist> => {
      const body = await fsStore.get(`live/${STREAM}/${rendition}/dvr.m3u8`);
      assert.ok(body, `no DVR playlist for ${rendition}`);
      return parseMediaPlaylist(Buffer.from(body).toString('utf8'));
    };
    const first = newPackager({ recordingId, dvrWindowSeconds: 60, liveWindow: 4 });
    await first.packager.start();
    const run1 = newRunDir();
    await first.packager.attach(run1);
    for (let i = 0; i < 6; i++) for (const r of ['720p', '360p']) await writeSegment(run1, r, i);
    await waitFor('first run', () => first.segments.length === 12, SOON);
    await first.packager.stop();
    assert.deepEqual(uris(await dvr('720p')), ['0.ts', '1.ts', '2.ts', '3.ts', '4.ts', '5.ts']);
    assert.equal((await playlist('720p')).segments.length, 4, 'the live window is shorter than the DVR window');

    const second = newPackager({ recordingId, dvrWindowSeconds: 60, liveWindow: 4 });
    await second.packager.start();
    const run2 = newRunDir();
    await second.packager.attach(run2);
    for (const r of ['720p', '360p']) await writeSegment(run2, r, 0, { start: 0 });
    await waitFor('second run', () => second.segments.length === 2, SOON);
    await waitFor('DVR playlist extended', async () => (await dvr('360p')).segments.length === 7, SOON);
    const after = await dvr('720p');
    assert.equal(after.mediaSequence, 0, 'the window a viewer could seek is still there');
    assert.deepEqual(uris(after), ['0.ts', '1.ts', '2.ts', '3.ts', '4.ts', '5.ts', 'disc:6.ts']);
    assert.equal(after.endList, false);

    // Another session of the stream (another recording) does not inherit it.
    const other = newPackager({ recordingId: recordingIdFor('ses_packagerdvrotheraaaa'), dvrWindowSeconds: 60 });
    await other.packager.start();
    const run3 = newRunDir();
    await other.packager.attach(run3);
    for (const r of ['720p', '360p']) await writeSegment(run3, r, 0, { start: 0 });
    await waitFor('other session', () => other.segments.length === 2, SOON);
    await waitFor('DVR playlist of the other session', async () => (await dvr('720p')).segments.length === 1, SOON);
  });

  it('rewrites the master and DVR master of a long session before the live/ lifecycle expiry could remove them', async () => {
    freshStore();
    // A clock the test moves: hours of a 24/7 session pass between two segments.
    let nowMs = Date.UTC(2026, 0, 1);
    const clock = { now: () => new Date(nowMs) };
    const recordingId = recordingIdFor('ses_packagerrecordingbbb');
    const { packager, segments, lives } = newPackager({ clock, recordingId, dvrWindowSeconds: 60 });
    await packager.start();
    const run = newRunDir();
    await packager.attach(run);
    for (const r of ['720p', '360p']) await writeSegment(run, r, 0);
    await waitFor('live', () => lives.length === 1, SOON);
    const masterKey = `live/${STREAM}/master.m3u8`;
    const dvrKey = `live/${STREAM}/dvr.m3u8`;
    await waitFor('DVR master written', () => store.puts.get(dvrKey) === 1, SOON);
    assert.equal(store.puts.get(masterKey), 1);

    // Within the refresh interval: segments flow, the masters are not rewritten (no extra PUTs).
    nowMs += LIVE_OBJECT_REFRESH_MS - 1000;
    for (const r of ['720p', '360p']) await writeSegment(run, r, 1);
    await waitFor('second segments', () => segments.length === 4, SOON);
    assert.equal(store.puts.get(masterKey), 1);
    assert.equal(store.puts.get(dvrKey), 1);

    // Past it: the next segment rewrites both, with the same text, and they stay fresh from then on.
    nowMs += 2000;
    for (const r of ['720p', '360p']) await writeSegment(run, r, 2);
    await waitFor('master rewritten', () => store.puts.get(masterKey) === 2 && store.puts.get(dvrKey) === 2, SOON);
    const master = Buffer.from((await fsStore.get(masterKey))!).toString();
    assert.match(master, /720p\/index\.m3u8\n/);
    assert.ok(liveRetentionCoversRefresh(1), 'the shortest live retention (1 day) outlives three refresh intervals');
    assert.equal(lives.length, 1, 'a refresh is not a second go-live');
  });

  it('refuses bad options and misuse', async () => {
    freshStore();
    assert.throws(() => new Packager({ streamId: '../x', renditions: RENDITIONS, objectStore: store }), /streamId/);
    assert.throws(() => new Packager({ streamId: STREAM, renditions: [], objectStore: store }), /renditions/);
    assert.throws(() => new Packager({ streamId: STREAM, renditions: [RENDITIONS[0]!, RENDITIONS[0]!], objectStore: store }), /duplicate/);
    assert.throws(() => new Packager({ streamId: STREAM, renditions: [{ ...RENDITIONS[0]!, name: '../720p' }], objectStore: store }), /name/);
    assert.throws(() => new Packager({ streamId: STREAM, renditions: RENDITIONS, objectStore: store, liveWindow: 2 }), /liveWindow/);
    assert.throws(() => new Packager({ streamId: STREAM, renditions: RENDITIONS, objectStore: store, recordingId: '../rec' }), /recordingId/);
    assert.throws(() => new Packager({ streamId: STREAM, renditions: [{ ...RENDITIONS[0]!, codecs: 'x"y' }], objectStore: store }), /codecs/);
    const { packager } = newPackager();
    await assert.rejects(packager.attach(newRunDir()), { name: 'PackagerStateError' });
  });

  it('reads segment lists line by line, holding back a line until its newline arrives', async () => {
    const path = join(root, 'tail.csv');
    const tailer = new LineTailer(path);
    assert.deepEqual(await tailer.readLines(), [], 'a list that does not exist yet has no lines');
    await writeFile(path, 'a,0,1\nb,1,');
    assert.deepEqual(await tailer.readLines(), ['a,0,1']);
    assert.deepEqual(await tailer.readLines(), []);
    await appendFile(path, '2\r\nc,2,3\n');
    assert.deepEqual(await tailer.readLines(), ['b,1,2', 'c,2,3']);
    assert.equal(tailer.pendingBytes, 0);
  });
});

describe('Packager with real ffmpeg', () => {
  const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

  it('packages a 6 s two-rendition encode into playlists ffprobe reads as 6 s', { skip: !hasFfmpeg && 'ffmpeg not installed', timeout: 60_000 }, async () => {
    const root = await mkdtemp(join(tmpdir(), 'sp-packager-ffmpeg-'));
    const fsStore = new FsObjectStore(join(root, 'store'));
    const packager = new Packager({
      streamId: STREAM,
      renditions: [
        { name: '360p', bandwidth: 900_000, codecs: 'avc1.42c01e,mp4a.40.2', width: 640, height: 360, fps: 30 },
        { name: '180p', bandwidth: 300_000, codecs: 'avc1.42c00d,mp4a.40.2', width: 320, height: 180, fps: 30 },
      ],
      objectStore: fsStore,
      pollIntervalMs: 50,
    });
    let lives = 0;
    packager.on('live', () => lives++);
    const run = join(root, 'scratch', 'run-1');
    let ffmpeg: ReturnType<typeof spawn> | undefined;
    try {
      await packager.start();
      for (const r of ['360p', '180p']) await mkdir(join(run, r), { recursive: true });
      await packager.attach(run);
      const output = (r: string, video: string): string[] => [
        '-map', video, '-map', '1:a',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
        '-c:a', 'aac', '-b:a', '64k',
        '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts',
        '-segment_list', join(run, r, 'segments.csv'), '-segment_list_type', 'csv', '-segment_list_flags', '+live',
        join(run, r, 'seg_%06d.ts'),
      ];
      const args = [
        '-hide_banner', '-loglevel', 'error', '-nostdin',
        '-t', '6', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30',
        '-t', '6', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-filter_complex', '[0:v]split=2[a][b];[b]scale=320:180[small]',
        ...output('360p', '[a]'),
        ...output('180p', '[small]'),
      ];
      ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      ffmpeg.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => ffmpeg!.on('exit', resolve));
      assert.equal(code, 0, stderr);
      await packager.detach(); // ffmpeg exited: its run is complete
      const stats = await packager.stop({ endList: true });
      assert.equal(lives, 1);
      assert.equal(stats.renditions['360p']?.segmentsUploaded, 3);
      assert.equal(stats.renditions['180p']?.segmentsUploaded, 3);

      for (const r of ['360p', '180p']) {
        const path = join(fsStore.root, 'live', STREAM, r, 'index.m3u8');
        const parsed = parseMediaPlaylist(await readFile(path, 'utf8'));
        assert.deepEqual(parsed.segments.map((s) => short(s.uri)), ['0.ts', '1.ts', '2.ts']);
        assert.equal(parsed.endList, true);
        const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', path], { encoding: 'utf8' });
        assert.equal(probe.status, 0, probe.stderr);
        const duration = Number(probe.stdout.trim());
        assert.ok(Math.abs(duration - 6) < 0.3, `${r}: ffprobe says ${duration} s`);
      }
      const master = await fsStore.get(`live/${STREAM}/master.m3u8`);
      assert.ok(master);
    } finally {
      if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.pid) process.kill(ffmpeg.pid, 'SIGKILL');
      await packager.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
