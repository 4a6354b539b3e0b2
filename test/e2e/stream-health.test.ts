/**
 * Stream health, sessions, thumbnails and nodes with real publishers (ffmpeg over RTMP): what the ingest
 * measures matches what was sent, a paused publisher starves and recovers, a long-GOP source is poor
 * with that reason, a noisy encoder does not flood events, thumbnails are JPEGs of the source's shape that
 * change, sessions are kept after they end, and the node lists itself. Short publishes, small sizes where
 * the figure allows (the 1080p check copies its only rung: `STREAMPLANE_LADDER=1080`).
 */
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { publish, stopAll } from '../support/ffmpeg';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

const execFileAsync = promisify(execFile);

interface Health {
  status: string;
  reasons: string[];
  ingest: { videoKbps: number | null; videoKbps10s: number | null; audioKbps: number | null; fps: number | null; keyframeIntervalSeconds: number | null; width: number | null; height: number | null; videoCodec: string | null; audioCodec: string | null };
  transcoder: { speed: number | null };
  updatedAt: string;
}
interface Event { type: string; time: string; data: Record<string, unknown> }

describe('stream health, sessions, thumbnails and nodes', () => {
  let t: TestPlane;
  let dir: string;
  const children = new Set<ChildProcess>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamplane-health-'));
    t = await startTestPlane({ env: { STREAMPLANE_LADDER: '1080', STREAMPLANE_THUMBNAIL_SECONDS: '2' } });
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await stopAll();
    await t?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const create = async (name: string) => (await t.api<{ id: string; streamKey: string; playback: { hls: string; thumbnail: string } }>('POST', '/v1/streams', { name, reconnectWindowSeconds: 0 })).body;
  const health = async (id: string) => (await t.api<Health>('GET', `/v1/streams/${id}/health`)).body;
  const events = async (id: string) => (await t.api<{ items: Event[] }>('GET', `/v1/events?streamId=${id}&limit=100`)).body.items;

  it('1080p30 at 4.5 Mbps: fps 30 ± 1, keyframes every 2 s, video bitrate within 15 % of ffprobe on the sent file; thumbnails are 16:9 JPEGs that change', async () => {
    // Prepare: a 16 s 1080p30 file at 4.5 Mbps with 2 s keyframes, and what ffprobe says its video bitrate is.
    const file = join(dir, 'src-1080p.flv');
    await execFileAsync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '16', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0',
      '-b:v', '4500k', '-minrate', '4500k', '-maxrate', '4500k', '-bufsize', '4500k', '-x264-params', 'nal-hrd=cbr', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', file,
    ]);
    const sentKbps = await videoKbpsOf(file);
    const { id, streamKey, playback } = await create('hd');
    const sender = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-i', file, '-c', 'copy', '-f', 'flv', t.rtmpUrl(streamKey)], { stdio: 'ignore' });
    children.add(sender);
    const startedAt = Date.now();

    // Act + assess: the ingest's figures once 10 s of media are in.
    const measured = await waitFor('10 s of measured media', async () => {
      const h = await health(id);
      return h.status !== 'offline' && h.status !== 'starving' && Date.now() - startedAt > 11_000 ? h : undefined;
    }, { timeoutMs: 30_000 });
    assert.ok(Math.abs(measured.ingest.fps! - 30) <= 1, `fps ${measured.ingest.fps}`);
    assert.ok(Math.abs(measured.ingest.keyframeIntervalSeconds! - 2) <= 0.1, `keyframe interval ${measured.ingest.keyframeIntervalSeconds}`);
    const kbps = measured.ingest.videoKbps10s!;
    assert.ok(Math.abs(kbps - sentKbps) / sentKbps <= 0.15, `ingest measured ${kbps} kb/s, ffprobe ${sentKbps} kb/s`);
    assert.deepEqual([measured.ingest.width, measured.ingest.height, measured.ingest.videoCodec, measured.ingest.audioCodec], [1920, 1080, 'h264', 'aac']);
    assert.ok(['excellent', 'good'].includes(measured.status), `status ${measured.status} (${measured.reasons.join(', ')})`);

    const first = await fetchJpeg(playback.thumbnail);
    const second = await waitFor('a newer thumbnail', async () => {
      const next = await fetchJpeg(playback.thumbnail);
      return next && !next.equals(first!) ? next : undefined;
    }, { timeoutMs: 15_000 });
    const shape = await jpegShape(join(dir, 'thumb.jpg'), second);
    assert.equal(shape.codec, 'mjpeg');
    assert.ok(Math.abs(shape.width / shape.height - 16 / 9) < 0.02, `thumbnail ${shape.width}x${shape.height}`);

    // The node carries the stream and lists itself.
    const nodes = await t.api<{ items: Array<{ id: string; status: string; streamIds: string[] }> }>('GET', '/v1/nodes');
    assert.equal(nodes.status, 200);
    assert.ok(nodes.body.items.some((n) => n.streamIds.includes(id) && n.status !== 'unhealthy'), JSON.stringify(nodes.body));

    // Sessions outlive the publish, with their statistics.
    await new Promise<void>((resolve) => (sender.exitCode !== null ? resolve() : sender.once('exit', () => resolve())));
    const ended = await waitFor('the ended session', async () => {
      const list = await t.api<{ items: Array<{ id: string; status: string; endReason: string | null; stats: { averageVideoKbps: number | null; width: number | null } }> }>('GET', `/v1/streams/${id}/sessions`);
      const s = list.body.items[0];
      return s && s.status === 'ended' && s.stats.width !== null ? s : undefined;
    }, { timeoutMs: 30_000 });
    assert.equal(ended.endReason, 'publisher_gone');
    assert.equal(ended.stats.width, 1920);
    assert.ok(Math.abs(ended.stats.averageVideoKbps! - sentKbps) / sentKbps <= 0.15, `session average ${ended.stats.averageVideoKbps} kb/s`);
    const one = await t.api<{ id: string; remoteAddress: string | null }>('GET', `/v1/sessions/${ended.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.remoteAddress, '127.0.0.1');
    assert.equal((await health(id)).status, 'offline');
  });

  it('a publisher paused with SIGSTOP for 5 s starves, recovers, and health comes back', async () => {
    const { id, streamKey } = await create('paused');
    const encoder = publish({ url: t.rtmpUrl(streamKey), width: 320, height: 180, seconds: 60 });
    // Past the first 10 s of the session, so the starvation shows in the status too (changes are 10 s apart).
    await waitFor('healthy media, 10 s into the session', async () => {
      const h = await health(id);
      const sessions = await t.api<{ items: Array<{ startedAt: string }> }>('GET', `/v1/streams/${id}/sessions`);
      const startedAt = sessions.body.items[0]?.startedAt;
      return (h.ingest.fps ?? 0) > 25 && startedAt && Date.now() - Date.parse(startedAt) > 11_000 ? h : undefined;
    }, { timeoutMs: 40_000 });
    encoder.process.kill('SIGSTOP');
    await waitFor('stream.starvation.started', async () => (await events(id)).some((e) => e.type === 'stream.starvation.started') || undefined, { timeoutMs: 10_000 });
    // The pause itself is the stimulus (5 s), not a synchronisation.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    encoder.process.kill('SIGCONT');
    await waitFor('stream.starvation.ended', async () => (await events(id)).some((e) => e.type === 'stream.starvation.ended') || undefined, { timeoutMs: 10_000 });
    const back = await waitFor('health back to excellent or good', async () => {
      const h = await health(id);
      return ['excellent', 'good'].includes(h.status) ? h : undefined;
    }, { timeoutMs: 30_000 });
    const types = (await events(id)).map((e) => e.type);
    assert.ok(types.indexOf('stream.starvation.started') < types.indexOf('stream.starvation.ended'));
    assert.ok(types.includes('stream.health.changed'), 'the starvation showed in the health status');
    assert.ok(back.ingest.fps! > 25);
    await encoder.kill();
  });

  it('a source with keyframes every 10 s is poor, with that reason', async () => {
    const { id, streamKey } = await create('long-gop');
    const encoder = publish({ url: t.rtmpUrl(streamKey), width: 320, height: 180, gopSeconds: 10, seconds: 40 });
    const poor = await waitFor('poor health', async () => {
      const h = await health(id);
      return h.status === 'poor' ? h : undefined;
    }, { timeoutMs: 40_000 });
    assert.ok(poor.reasons.includes('keyframe_interval_long'), poor.reasons.join(', '));
    const changed = (await events(id)).filter((e) => e.type === 'stream.health.changed');
    assert.deepEqual(changed.at(-1)?.data, { from: 'excellent', to: 'poor', reasons: poor.reasons });
    await encoder.kill();
  });

  it('a noisy encoder (bitrate swinging every second) produces at most one health event per 10 s', async () => {
    const { id, streamKey } = await create('noisy');
    // x264 quantizer zones: each second alternately q22 and q29, which swings the bitrate about ±30 %
    // around its mean; keyframes every 2 s. Encoded first, so the swing is checked on what is sent.
    const zones = Array.from({ length: 30 }, (_, i) => `${i * 30},${i * 30 + 29},q=${i % 2 === 0 ? 22 : 29}`).join('/');
    const file = join(dir, 'noisy.flv');
    await execFileAsync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '30', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-crf', '26', '-x264-params', `zones=${zones}`, '-c:a', 'aac', '-b:a', '96k', '-f', 'flv', file,
    ]);
    const perSecond = await videoKbpsPerSecond(file);
    const odd = perSecond.filter((_, i) => i % 2 === 1);
    const even = perSecond.filter((_, i) => i % 2 === 0);
    assert.ok(Math.min(...even) > Math.max(...odd) * 1.25, `the sent bitrate swings every second: ${perSecond.join(' ')} kb/s`);
    const encoder = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-i', file, '-c', 'copy', '-f', 'flv', t.rtmpUrl(streamKey)], { stdio: 'ignore' });
    children.add(encoder);
    await waitFor('the publish to finish', () => encoder.exitCode !== null || encoder.signalCode !== null || undefined, { timeoutMs: 60_000, intervalMs: 500 });
    await waitFor('the session to end', async () => (await health(id)).status === 'offline' || undefined, { timeoutMs: 20_000 });
    const changes = (await events(id)).filter((e) => e.type === 'stream.health.changed').map((e) => Date.parse(e.time));
    for (let i = 1; i < changes.length; i++) assert.ok(changes[i]! - changes[i - 1]! >= 10_000, `health events ${changes[i]! - changes[i - 1]!} ms apart`);
    assert.ok(changes.length <= 4, `${changes.length} health events in 30 s`);
  });

  it('a transcoder whose output stalls (SIGSTOP) is restarted with reason stalled_output, and the playlist resumes with increasing sequence numbers', async () => {
    const { id, streamKey, playback } = await create('stalled');
    const encoder = publish({ url: t.rtmpUrl(streamKey), width: 320, height: 180, seconds: 60 });
    const mediaUrl = playback.hls.replace('master.m3u8', '1080p/index.m3u8');
    const lastSequence = async () => {
      const res = await fetch(await resolveMedia(playback.hls, mediaUrl));
      if (!res.ok) return undefined;
      const text = await res.text();
      const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN);
      const count = (text.match(/#EXTINF/g) ?? []).length;
      return Number.isFinite(seq) && count > 0 ? seq + count - 1 : undefined;
    };
    const before = await waitFor('two segments', async () => {
      const last = await lastSequence();
      return last !== undefined && last >= 1 ? last : undefined;
    }, { timeoutMs: 40_000 });
    const pid = t.plane.sessions.session(id)?.transcoderPid;
    assert.ok(pid);
    process.kill(pid, 'SIGSTOP');
    const error = await waitFor('transcode.error stalled_output', async () => (await events(id)).find((e) => e.type === 'transcode.error' && e.data.reason === 'stalled_output'), { timeoutMs: 40_000 });
    assert.match(String(error.data.message), /no new segment/);
    const resumed = await waitFor('the playlist advancing again', async () => {
      const last = await lastSequence();
      return last !== undefined && last > before + 1 ? last : undefined;
    }, { timeoutMs: 30_000 });
    assert.ok(resumed > before);
    assert.notEqual(t.plane.sessions.session(id)?.transcoderPid, pid);
    await encoder.kill();
  });
});

/** The rendition's playlist URL from the master (the only rendition of a one-rung ladder). */
async function resolveMedia(master: string, fallback: string): Promise<string> {
  const res = await fetch(master);
  if (!res.ok) return fallback;
  const uri = (await res.text()).split('\n').find((l) => l.trim() && !l.startsWith('#'));
  return uri ? new URL(uri.trim(), master).toString() : fallback;
}

async function videoKbpsOf(file: string): Promise<number> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size,pts_time', '-of', 'csv=p=0', file]);
  let bytes = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const line of stdout.trim().split('\n')) {
    const [pts, size] = line.split(',');
    bytes += Number(size);
    first = Math.min(first, Number(pts));
    last = Math.max(last, Number(pts));
  }
  const seconds = last - first + 1 / 30;
  return Math.round((bytes * 8) / seconds / 1000);
}

async function videoKbpsPerSecond(file: string): Promise<number[]> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size,pts_time', '-of', 'csv=p=0', file]);
  const bytes: number[] = [];
  for (const line of stdout.trim().split('\n')) {
    const [pts, size] = line.split(',');
    const second = Math.floor(Number(pts));
    bytes[second] = (bytes[second] ?? 0) + Number(size);
  }
  return bytes.slice(0, -1).map((b) => Math.round((b * 8) / 1000));
}

async function fetchJpeg(url: string): Promise<Buffer | undefined> {
  const res = await fetch(url);
  if (!res.ok) return undefined;
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  return Buffer.from(await res.arrayBuffer());
}

async function jpegShape(path: string, body: Buffer): Promise<{ codec: string; width: number; height: number }> {
  await writeFile(path, body);
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', path]);
  const s = (JSON.parse(stdout) as { streams: Array<{ codec_name: string; width: number; height: number }> }).streams[0]!;
  return { codec: s.codec_name, width: s.width, height: s.height };
}
