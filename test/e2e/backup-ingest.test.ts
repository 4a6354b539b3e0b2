/**
 * Backup ingest end to end, with two real ffmpeg encoders sending different content (testsrc2 + 440 Hz on
 * the primary, smptebars + 880 Hz on the backup): the backup waits in standby untranscoded; SIGKILL of the
 * primary hands the output to it; a restarted primary takes it back after `backupRevertSeconds`; the backup
 * leaving while the primary is on air changes nothing; a SIGSTOPped primary is a `starved` takeover. hls.js
 * in Chromium plays straight through, sequences only increase, and the session has one recording holding
 * both feeds' content in order (told apart by their tones).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { publish, type Publisher } from '../support/ffmpeg';
import { usePlayerHarness } from '../support/player-harness';
import { fetchMediaPlaylist, fetchText, parseMaster, waitForMaster } from '../support/hls';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { staysTrue, waitFor } from '../support/wait';
import { describeStreams, hasAudioAndVideo, SegmentProbeQueue, segmentStreams } from '../support/segment-streams';

const execFileAsync = promisify(execFile);

const PAGE = `<!doctype html><meta charset="utf-8"><title>player</title>
<video id="v" muted playsinline width="320" height="180"></video>
<script src="/hls.min.js"></script>
<script>
  window.result = { errors: [] };
  const video = document.getElementById('v');
  const hls = new Hls({ liveSyncDurationCount: 3 });
  hls.on(Hls.Events.ERROR, (_e, d) => { window.result.errors.push({ type: d.type, details: d.details, fatal: d.fatal }); });
  window.start = (src) => { hls.loadSource(src); hls.attachMedia(video); video.play().catch(() => {}); };
  window.time = () => video.currentTime;
</script>`;

const PRIMARY = { pattern: 'testsrc2', frequency: 440 };
const BACKUP = { pattern: 'smptebars', frequency: 880 };
const REVERT_SECONDS = 3;

interface Sample { at: number; mediaSequence: number; uris: string[]; discontinuities: number }

/**
 * Reads the media playlist four times a second, as a player would, and keeps what it saw; every new live
 * segment is probed for the streams it really carries.
 */
function watchPlaylist(url: string): { samples: Sample[]; appeared: Map<number, number>; segments: SegmentProbeQueue; stop(): Promise<void> } {
  const samples: Sample[] = [];
  const appeared = new Map<number, number>();
  const segments = new SegmentProbeQueue();
  let running = true;
  const loop = (async () => {
    while (running) {
      const playlist = await fetchMediaPlaylist(url).catch(() => undefined);
      if (playlist) {
        const at = Date.now();
        samples.push({ at, mediaSequence: playlist.mediaSequence, uris: playlist.segments.map((s) => s.uri), discontinuities: playlist.discontinuitySequence + playlist.segments.filter((s) => s.discontinuity).length });
        playlist.segments.forEach((_, i) => appeared.has(playlist.mediaSequence + i) || appeared.set(playlist.mediaSequence + i, at));
        for (const s of playlist.segments) segments.add(new URL(s.uri, url).toString());
      }
      await new Promise((r) => setTimeout(r, 250).unref());
    }
  })();
  return { samples, appeared, segments, stop: async () => { running = false; await loop; await segments.drain(); } };
}

function assertSequencesIncrease(samples: Sample[]): void {
  const seen = new Map<number, string>();
  let lastMediaSequence = -1;
  let lastTail = -1;
  for (const s of samples) {
    assert.ok(s.mediaSequence >= lastMediaSequence, `media sequence went back from ${lastMediaSequence} to ${s.mediaSequence}`);
    lastMediaSequence = s.mediaSequence;
    s.uris.forEach((uri, i) => {
      const known = seen.get(s.mediaSequence + i);
      assert.ok(known === undefined || known === uri, `sequence ${s.mediaSequence + i} named ${known} and then ${uri}`);
      seen.set(s.mediaSequence + i, uri);
    });
    const tail = s.mediaSequence + s.uris.length - 1;
    assert.ok(tail >= lastTail, `the playlist's last segment went back from ${lastTail} to ${tail}`);
    lastTail = tail;
  }
}

/** The longest wait between two new segments in the playlist after `fromMs` (what viewers' buffers absorb at a switch). */
function longestStallAfter(appeared: Map<number, number>, fromMs: number): number {
  const times = [...appeared.entries()].sort((a, b) => a[0] - b[0]).map(([, at]) => at);
  let longest = 0;
  for (let i = 1; i < times.length; i++) if ((times[i] as number) > fromMs && (times[i - 1] as number) >= fromMs - 4_000) longest = Math.max(longest, (times[i] as number) - (times[i - 1] as number));
  return longest;
}

/** The dominant tone of a segment's audio in Hz (zero crossings of its decoded mono PCM). */
async function toneOf(url: string): Promise<number> {
  const { stdout } = await execFileAsync('ffmpeg', ['-v', 'error', '-nostdin', '-i', url, '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  const samples = stdout.length / 2;
  if (samples < 1600) return 0;
  let crossings = 0;
  let previous = stdout.readInt16LE(0);
  for (let i = 1; i < samples; i++) {
    const v = stdout.readInt16LE(i * 2);
    if ((previous < 0 && v >= 0) || (previous >= 0 && v < 0)) crossings++;
    previous = v;
  }
  return crossings / 2 / (samples / 16000);
}

/** CPU seconds (user + system) and resident memory of this process and its ffmpeg children, from /proc. */
async function planeUsage(): Promise<{ cpuSeconds: number; rssMb: number; transcoders: number }> {
  const { stdout } = await execFileAsync('ps', ['-eo', 'pid=,ppid=,comm=,args=']);
  const children = stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter(([, ppid, comm]) => Number(ppid) === process.pid && comm === 'ffmpeg');
  const transcoders = children.filter((c) => c.join(' ').includes('pipe:0')).length;
  let cpuSeconds = 0;
  let rssKb = 0;
  const tick = 100;
  for (const pid of [String(process.pid), ...children.filter((c) => c.join(' ').includes('pipe:0')).map(([pid]) => pid as string)]) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    cpuSeconds += (Number(fields[11]) + Number(fields[12])) / tick;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return { cpuSeconds, rssMb: Math.round(rssKb / 1024), transcoders };
}

async function measure(seconds: number): Promise<{ cpuPercent: number; rssMb: number; transcoders: number }> {
  const before = await planeUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000)); // a measurement window, not synchronisation
  const after = await planeUsage();
  return { cpuPercent: Math.round(((after.cpuSeconds - before.cpuSeconds) / seconds) * 100), rssMb: after.rssMb, transcoders: after.transcoders };
}

describe('backup ingest: two encoders, one output', () => {
  const h = usePlayerHarness(PAGE, { env: { STREAMPLANE_LADDER: '180', STREAMPLANE_THUMBNAIL_SECONDS: '0' } });

  it('takes over on disconnect and starvation, reverts, ignores a leaving standby, and records one VOD', async () => {
    const created = await h.plane.api<{ id: string; streamKey: string; playback: { hls: string }; ingest: { url: string; backupUrl: string; backupServer: string } }>('POST', '/v1/streams', {
      name: 'two encoders',
      reconnectWindowSeconds: 10,
      backupRevertSeconds: REVERT_SECONDS,
    });
    assert.equal(created.status, 201);
    const { id, streamKey } = created.body;
    assert.equal(created.body.ingest.backupUrl, `${created.body.ingest.backupServer}/${streamKey}`);
    assert.match(created.body.ingest.backupServer, /\/live-backup$/);
    const backupUrl = h.plane.rtmpUrl(streamKey).replace('/live/', '/live-backup/');
    type View = { status: string; sessionId?: string; ingest: { backupUrl?: string; feeds: Array<{ role: string; state: string }> } };
    const view = async () => (await h.plane.api<View>('GET', `/v1/streams/${id}`)).body;
    const feeds = async () => (await view()).ingest.feeds.map((f) => `${f.role}:${f.state}`).join(' ');
    const takeovers = async () =>
      (await h.plane.api<{ items: Array<{ data: { from: string; to: string; reason: string } }> }>('GET', `/v1/events?streamId=${id}&type=stream.takeover&limit=50`)).body.items.map((e) => `${e.data.from}>${e.data.to}:${e.data.reason}`);
    assert.equal((await view()).ingest.backupUrl, undefined, 'the key-bearing URL is shown on create only');

    // The primary goes live.
    let primary: Publisher = publish({ url: h.plane.rtmpUrl(streamKey), width: 320, height: 180, gopSeconds: 1, seconds: 300, ...PRIMARY });
    const master = await waitForMaster(created.body.playback.hls, 60_000);
    const variant = parseMaster(master)[0];
    assert.ok(variant);
    const mediaUrl = new URL(variant.uri, created.body.playback.hls).toString();
    await waitFor('live', async () => (await view()).status === 'live', { timeoutMs: 40_000 });
    const single = await measure(4);

    // The backup connects: standby, read and measured, not transcoded.
    let backup: Publisher = publish({ url: backupUrl, width: 320, height: 180, gopSeconds: 1, seconds: 300, ...BACKUP });
    await waitFor('backup in standby', async () => (await feeds()) === 'primary:active backup:standby', { timeoutMs: 20_000 });
    const withStandby = await measure(4);
    assert.equal(withStandby.transcoders, 1, 'the standby feed is not transcoded');
    console.log(`# standby cost: plane CPU ${single.cpuPercent}% → ${withStandby.cpuPercent}% of one core, RSS ${single.rssMb} → ${withStandby.rssMb} MB (node + transcoders), transcoders ${single.transcoders} → ${withStandby.transcoders}`);

    // A third encoder on either app is refused.
    const third = publish({ url: backupUrl, width: 320, height: 180, seconds: 20, ...BACKUP });
    await third.exited;
    await waitFor('already_publishing', async () => {
      const events = await h.plane.api<{ items: Array<{ data: { reason: string } }> }>('GET', `/v1/events?streamId=${id}&type=stream.rejected&limit=10`);
      return events.body.items.some((e) => e.data.reason === 'already_publishing');
    }, { timeoutMs: 10_000 });

    const watcher = watchPlaylist(mediaUrl);
    const page = await h.browser.newPage();
    await page.goto(h.site.url);
    await page.evaluate((src) => (window as unknown as { start(s: string): void }).start(src), created.body.playback.hls);
    const time = () => page.evaluate(() => (window as unknown as { time(): number }).time());
    await waitFor('playing in the browser', async () => (await time()) > 3, { timeoutMs: 60_000 });

    // 1. SIGKILL the primary: the backup takes over.
    const killedAt = Date.now();
    await primary.kill('SIGKILL');
    await waitFor('takeover by the backup', async () => (await takeovers()).includes('primary>backup:disconnected'), { timeoutMs: 20_000, intervalMs: 100 });
    await waitFor('backup active', async () => (await feeds()) === 'primary:absent backup:active', { timeoutMs: 10_000 });
    const afterKill = await time();
    await waitFor('playing the backup', async () => (await time()) > afterKill + 4, { timeoutMs: 40_000 });
    const killStall = longestStallAfter(watcher.appeared, killedAt);
    assert.equal((await view()).status, 'live', 'the session never went interrupted');

    // 2. The primary comes back: standby, then it takes the output back after the revert delay.
    primary = publish({ url: h.plane.rtmpUrl(streamKey), width: 320, height: 180, gopSeconds: 1, seconds: 300, ...PRIMARY });
    await waitFor('primary in standby', async () => (await feeds()) === 'primary:standby backup:active', { timeoutMs: 20_000 });
    const standbyAt = Date.now();
    await waitFor('revert to the primary', async () => (await takeovers()).includes('backup>primary:reverted'), { timeoutMs: 30_000, intervalMs: 100 });
    const revertAfterMs = Date.now() - standbyAt;
    assert.ok(revertAfterMs >= (REVERT_SECONDS - 1) * 1000, `reverted only after the delay (${revertAfterMs} ms)`);
    await waitFor('primary active', async () => (await feeds()) === 'primary:active backup:standby', { timeoutMs: 20_000 });
    const afterRevert = await time();
    await waitFor('playing the primary again', async () => (await time()) > afterRevert + 4, { timeoutMs: 40_000 });

    // 3. The backup leaves while the primary is on air: nothing changes for viewers.
    const before = (await takeovers()).length;
    await backup.kill('SIGKILL');
    await waitFor('backup absent', async () => (await feeds()) === 'primary:active backup:absent', { timeoutMs: 10_000 });
    const atLeave = await time();
    await staysTrue('no takeover, still live', async () => (await takeovers()).length === before && (await view()).status === 'live', { forMs: 4_000, intervalMs: 250 });
    assert.ok((await time()) > atLeave + 2, 'playback went on');

    // 4. A starved primary (SIGSTOP 5 s) hands the output to the backup, reason `starved`; then it reverts.
    backup = publish({ url: backupUrl, width: 320, height: 180, gopSeconds: 1, seconds: 300, ...BACKUP });
    await waitFor('backup in standby again', async () => (await feeds()) === 'primary:active backup:standby', { timeoutMs: 20_000 });
    await waitFor('backup steady', async () => (await view()).status === 'live' && h.plane.plane.sessions.backup.standby(id)?.health.healthy(Date.now()) === true, { timeoutMs: 10_000 });
    primary.process.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await waitFor('starved takeover', async () => (await takeovers()).includes('primary>backup:starved'), { timeoutMs: 10_000, intervalMs: 100 });
    const starvedAfterMs = Date.now() - stoppedAt;
    await waitFor('5 s of SIGSTOP', () => Date.now() - stoppedAt >= 5_000, { timeoutMs: 10_000 });
    primary.process.kill('SIGCONT');
    await waitFor('revert after the starvation', async () => (await takeovers()).filter((x) => x === 'backup>primary:reverted').length === 2, { timeoutMs: 40_000, intervalMs: 200 });
    const afterStarve = await time();
    await waitFor('playing after the starvation', async () => (await time()) > afterStarve + 4, { timeoutMs: 40_000 });
    await watcher.stop();

    const errors = await page.evaluate(() => (window as unknown as { result: { errors: Array<{ fatal: boolean; details: string }> } }).result.errors);
    assert.deepEqual(errors.filter((e) => e.fatal), [], JSON.stringify(errors));
    assertSequencesIncrease(watcher.samples);
    // Every live segment carries both tracks, the first of each generation too (players drop audio or stall otherwise).
    assert.ok(watcher.segments.probed > 20, `live segments probed: ${watcher.segments.probed}`);
    assert.deepEqual(watcher.segments.withoutBoth, [], 'live segments without audio and video');
    assert.deepEqual(await takeovers(), ['primary>backup:disconnected', 'backup>primary:reverted', 'primary>backup:starved', 'backup>primary:reverted']);
    const connected = await h.plane.api<{ items: Array<{ data: { role: string } }> }>('GET', `/v1/events?streamId=${id}&type=stream.connected&limit=20`);
    assert.deepEqual(connected.body.items.map((e) => e.data.role), ['primary', 'backup', 'primary', 'backup']);

    // One session, one recording with both feeds' content in order.
    const sessionId = (await view()).sessionId;
    await primary.kill('SIGKILL');
    await backup.kill('SIGKILL');
    assert.equal((await h.plane.api('POST', `/v1/streams/${id}/end`)).status, 200);
    const recording = await waitFor('the recording ready', async () => {
      const list = await h.plane.api<{ items: Array<{ id: string; sessionId: string; status: string; durationSeconds: number | null; playback: { hls: string } }> }>('GET', `/v1/streams/${id}/recordings`);
      return list.body.items.length === 1 && list.body.items[0]?.status === 'ready' ? list.body.items[0] : undefined;
    }, { timeoutMs: 90_000 });
    assert.equal(recording.sessionId, sessionId);
    const vodMaster = parseMaster((await fetchText(recording.playback.hls)).text);
    const vodUrl = new URL((vodMaster[0] as { uri: string }).uri, recording.playback.hls).toString();
    const vod = parseMediaPlaylist((await fetchText(vodUrl)).text);
    assert.ok(vod.segments.filter((s) => s.discontinuity).length >= 4, 'a discontinuity at every switch');
    const recorded: Array<{ uri: string; streams: Awaited<ReturnType<typeof segmentStreams>> }> = [];
    for (const segment of vod.segments) recorded.push({ uri: segment.uri, streams: await segmentStreams(new URL(segment.uri, vodUrl).toString()) });
    console.log(`# recorded segments: ${recorded.map((r) => `${r.uri.slice(r.uri.lastIndexOf('/') + 1)}[v${r.streams.packets.video ?? 0} a${r.streams.packets.audio ?? 0}]`).join(' ')}`);
    const recordedWithoutBoth = recorded.filter((r) => !hasAudioAndVideo(r.streams)).map((r) => `${r.uri.slice(r.uri.lastIndexOf('/') + 1)} (${describeStreams(r.streams)})`);
    assert.deepEqual(recordedWithoutBoth, [], 'recorded segments without audio and video');
    const tones: number[] = [];
    for (const segment of vod.segments) tones.push(await toneOf(new URL(segment.uri, vodUrl).toString()));
    const labels = tones.map((hz) => (Math.abs(hz - 440) < 60 ? 'P' : Math.abs(hz - 880) < 90 ? 'B' : '?'));
    const runs = labels.filter((l) => l !== '?').join('').replace(/(.)\1+/g, '$1');
    assert.equal(runs, 'PBPBP', `feeds in order in the recording: ${labels.join('')}`);

    const stallAtKill = (killStall / 1000).toFixed(1);
    console.log(`# switch on SIGKILL: longest wait between two new segments ${stallAtKill} s (segments 2 s); starvation noticed after ${starvedAfterMs} ms; revert ${revertAfterMs} ms after the primary's return (delay ${REVERT_SECONDS} s); recording ${vod.segments.length} segments: ${labels.join('')}`);
  });
});
