/**
 * Recordings end to end with real ffmpeg on a real local plane: every session becomes a VOD that plays at
 * its length in every rendition and holds every segment a live viewer could fetch, through a publisher
 * killed mid-stream, reconnects inside and outside the window, a killed transcoder and a plane restart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { ffprobeStreams, publish, stopAll } from '../support/ffmpeg';
import { fetchText, parseMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

const SEGMENT = 2;
const ENV = { STREAMPLANE_LADDER: '360,180' };

interface RecordingView {
  id: string;
  status: string;
  durationSeconds: number | null;
  playback: { hls: string };
}

/** Polls a stream's live media playlists and remembers every stored segment they name (resolved to URLs). */
function watchLive(t: TestPlane, streamId: string): { seen: Set<string>; stop(): Promise<void> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const master = await fetchText(`${t.base}/live/${streamId}/master.m3u8`).catch(() => undefined);
      if (master?.status === 200) {
        for (const variant of parseMaster(master.text)) {
          const url = new URL(variant.uri, `${t.base}/live/${streamId}/`).toString();
          const media = await fetchText(url).catch(() => undefined);
          if (media?.status !== 200) continue;
          for (const s of parseMediaPlaylist(media.text).segments) if (!s.gap) seen.add(new URL(s.uri, url).pathname);
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    seen,
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function recordingsOf(t: TestPlane, streamId: string): Promise<RecordingView[]> {
  return (await t.api<{ items: RecordingView[] }>('GET', `/v1/streams/${streamId}/recordings`)).body.items;
}

async function readyRecordings(t: TestPlane, streamId: string, count: number, timeoutMs = 60_000): Promise<RecordingView[]> {
  return waitFor(`${count} ready recording(s)`, async () => {
    const items = await recordingsOf(t, streamId);
    return items.length === count && items.every((r) => r.status === 'ready') ? items : undefined;
  }, { timeoutMs });
}

/** Every rendition of a VOD: its playlist, the segment paths it names, and what ffprobe says it lasts. */
async function vod(recording: RecordingView): Promise<Array<{ uri: string; duration: number; paths: string[]; discontinuities: number }>> {
  const master = await fetchText(recording.playback.hls);
  assert.equal(master.status, 200);
  const out = [];
  for (const variant of parseMaster(master.text)) {
    const url = new URL(variant.uri, recording.playback.hls).toString();
    const playlist = parseMediaPlaylist((await fetchText(url)).text);
    assert.equal(playlist.playlistType, 'VOD');
    assert.equal(playlist.endList, true);
    const probed = await ffprobeStreams(url);
    out.push({
      uri: variant.uri,
      duration: Number(probed.format.duration),
      paths: playlist.segments.filter((s) => !s.gap).map((s) => new URL(s.uri, url).pathname),
      discontinuities: playlist.segments.filter((s) => s.discontinuity).length,
    });
  }
  return out;
}

async function createStream(t: TestPlane, body: Record<string, unknown>): Promise<{ id: string; streamKey: string }> {
  return (await t.api<{ id: string; streamKey: string }>('POST', '/v1/streams', { name: 'rec', recording: true, ...body })).body;
}

async function waitLive(t: TestPlane, id: string): Promise<void> {
  await waitFor('live', async () => ((await t.api<{ status: string }>('GET', `/v1/streams/${id}`)).body.status === 'live') || undefined, { timeoutMs: 40_000 });
}

describe('recordings end to end', () => {
  const planes: TestPlane[] = [];
  const dirs: string[] = [];
  after(async () => {
    await stopAll();
    for (const p of planes) await p.stop().catch(() => undefined);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function plane(options: { dataDir?: string } = {}): Promise<TestPlane> {
    const t = await startTestPlane({ env: ENV, ...options });
    planes.push(t);
    return t;
  }

  it('turns a 20 s publish into a VOD of 20 s ± one segment in every rendition, with every live segment in it', async () => {
    const t = await plane();
    const { id, streamKey } = await createStream(t, { reconnectWindowSeconds: 0 });
    const watcher = watchLive(t, id);
    const encoder = publish({ url: t.rtmpUrl(streamKey), width: 640, height: 360, seconds: 20 });
    await encoder.exited;
    const [recording] = await readyRecordings(t, id, 1);
    await watcher.stop();

    const renditions = await vod(recording!);
    assert.ok(renditions.length >= 2);
    for (const r of renditions) assert.ok(Math.abs(r.duration - 20) <= SEGMENT, `${r.uri} plays ${r.duration} s`);
    const inVod = new Set(renditions.flatMap((r) => r.paths));
    assert.ok(watcher.seen.size > 0);
    for (const path of watcher.seen) assert.ok(inVod.has(path), `${path} was live but is not in the recording`);
    const events = (await t.api<{ items: Array<{ type: string }> }>('GET', `/v1/events?streamId=${id}`)).body.items.map((e) => e.type);
    assert.equal(events.filter((e) => e === 'recording.started').length, 1);
    assert.equal(events.filter((e) => e === 'recording.ready').length, 1);
  });

  it('records what was sent by a publisher killed with SIGKILL', async () => {
    const t = await plane();
    const { id, streamKey } = await createStream(t, { reconnectWindowSeconds: 0 });
    const watcher = watchLive(t, id);
    const encoder = publish({ url: t.rtmpUrl(streamKey), width: 640, height: 360, seconds: 60 });
    await waitFor('a few live segments', () => watcher.seen.size >= 6 || undefined, { timeoutMs: 60_000 });
    await watcher.stop();
    await encoder.kill('SIGKILL');
    const [recording] = await readyRecordings(t, id, 1);
    for (const r of await vod(recording!)) assert.ok(r.duration >= 4, `${r.uri} plays ${r.duration} s`);
  });

  it('keeps one recording with a discontinuity across a reconnect inside the window, two outside it', async () => {
    const t = await plane();
    const inside = await createStream(t, { reconnectWindowSeconds: 60 });
    await publish({ url: t.rtmpUrl(inside.streamKey), width: 640, height: 360, seconds: 8 }).exited;
    await waitFor('interrupted', async () => ((await t.api<{ status: string }>('GET', `/v1/streams/${inside.id}`)).body.status === 'interrupted') || undefined);
    await publish({ url: t.rtmpUrl(inside.streamKey), width: 640, height: 360, seconds: 8 }).exited;
    await t.api('POST', `/v1/streams/${inside.id}/end`, {});
    const [one] = await readyRecordings(t, inside.id, 1);
    for (const r of await vod(one!)) {
      assert.ok(r.discontinuities >= 1, `${r.uri} marks the reconnect`);
      assert.ok(Math.abs(r.duration - 16) <= 2 * SEGMENT, `${r.uri} plays ${r.duration} s`);
    }

    const outside = await createStream(t, { reconnectWindowSeconds: 1 });
    await publish({ url: t.rtmpUrl(outside.streamKey), width: 640, height: 360, seconds: 6 }).exited;
    await waitFor('ended', async () => ((await t.api<{ status: string }>('GET', `/v1/streams/${outside.id}`)).body.status === 'ended') || undefined);
    await publish({ url: t.rtmpUrl(outside.streamKey), width: 640, height: 360, seconds: 6 }).exited;
    await readyRecordings(t, outside.id, 2);
  });

  it('still finalizes a session whose transcoder was killed, with everything on both sides of the kill', async () => {
    const t = await plane();
    const { id, streamKey } = await createStream(t, { reconnectWindowSeconds: 0 });
    const watcher = watchLive(t, id);
    const encoder = publish({ url: t.rtmpUrl(streamKey), width: 640, height: 360, seconds: 24 });
    await waitLive(t, id);
    const pid = await waitFor('a transcoder', () => t.plane.sessions.session(id)?.transcoderPid);
    process.kill(pid, 'SIGKILL');
    await waitFor('a new transcoder', () => {
      const next = t.plane.sessions.session(id)?.transcoderPid;
      return next !== undefined && next !== pid;
    });
    await encoder.exited;
    const [recording] = await readyRecordings(t, id, 1);
    await watcher.stop();
    const renditions = await vod(recording!);
    const inVod = new Set(renditions.flatMap((r) => r.paths));
    for (const r of renditions) assert.ok(r.discontinuities >= 1, `${r.uri} marks the restart`);
    for (const path of watcher.seen) assert.ok(inVod.has(path), `${path} was live but is not in the recording`);
  });

  it('finalizes a session the plane was stopped in the middle of, after it restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'streamplane-rec-restart-'));
    dirs.push(dataDir);
    const first = await plane({ dataDir });
    const { id, streamKey } = await createStream(first, { reconnectWindowSeconds: 3 });
    const watcher = watchLive(first, id);
    const encoder = publish({ url: first.rtmpUrl(streamKey), width: 640, height: 360, seconds: 60 });
    await waitFor('a few live segments', () => watcher.seen.size >= 6 || undefined, { timeoutMs: 60_000 });
    await watcher.stop();
    await first.stop({ keepData: true });
    await encoder.kill('SIGKILL');

    const second = await plane({ dataDir });
    const [recording] = await readyRecordings(second, id, 1);
    for (const r of await vod(recording!)) assert.ok(r.duration >= 4, `${r.uri} plays ${r.duration} s`);
  });
});
