/**
 * The plane dies hard (SIGKILL, no cleanup) in the middle of a recorded session. Restarted on the same
 * data dir, it stores what the crash left listed on scratch (the orphaned ffmpeg finishes its last segment
 * after the plane is gone), takes the orphaned session over, ends it after its reconnect window, and
 * finalizes a recording holding everything uploaded before the crash and everything listed on scratch;
 * scratch is empty afterwards.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { segmentFile } from '../../core/media/layout';
import { parseSegmentListLine } from '../../containers/ingest/src/packager/segment-list';
import { ffmpegProcessesMatching, ffprobeStreams, publish, stopAll } from '../support/ffmpeg';
import { fetchText, parseMaster, waitForMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { freePort } from '../support/net';
import { waitFor } from '../support/wait';

const root = new URL('../..', import.meta.url).pathname;
const TOKEN = 'test-token-0123456789abcdef';


describe('plane crash mid-session', () => {
  let dataDir = '';
  let child: ChildProcess | undefined;
  let restarted: TestPlane | undefined;
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stopAll();
    await restarted?.stop({ keepData: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('finalizes the orphaned session after a restart, with every segment uploaded before the crash or listed on scratch', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'streamplane-crash-'));
    const [httpPort, rtmpPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      STREAMPLANE_HTTP_PORT: String(httpPort),
      STREAMPLANE_RTMP_PORT: String(rtmpPort),
      STREAMPLANE_BIND: '127.0.0.1',
      STREAMPLANE_PUBLIC_HOST: '127.0.0.1',
      STREAMPLANE_DATA_DIR: dataDir,
      STREAMPLANE_API_TOKEN: TOKEN,
      STREAMPLANE_LADDER: '360,180',
      // Not under test here; its default UDP port would clash with planes other test files run meanwhile.
      STREAMPLANE_SRT_PORT: 'off',
    };
    child = spawn(process.execPath, ['--import', 'tsx', 'bin/local-plane.ts'], { cwd: root, env, stdio: 'ignore' });
    const base = `http://127.0.0.1:${httpPort}`;
    await waitFor('the plane to be healthy', async () => (await fetch(`${base}/healthz`)).status === 200, { timeoutMs: 60_000 });
    const created = (await (
      await fetch(`${base}/v1/streams`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'crash', reconnectWindowSeconds: 2 }),
      })
    ).json()) as { id: string; streamKey: string; playback: { hls: string } };

    const encoder = publish({ url: `rtmp://127.0.0.1:${rtmpPort}/live/${created.streamKey}`, width: 640, height: 360, seconds: 60 });
    const master = await waitForMaster(created.playback.hls);
    const mediaUrl = new URL(parseMaster(master)[0]!.uri, created.playback.hls).toString();
    const beforeCrash = await waitFor('a few live segments', async () => {
      const p = parseMediaPlaylist((await fetchText(mediaUrl)).text);
      return p.segments.length >= 3 ? p : undefined;
    });
    const livePaths = beforeCrash.segments.map((s) => new URL(s.uri, mediaUrl).pathname.split('/').pop());

    child.kill('SIGKILL');
    await new Promise<void>((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve() : child!.once('exit', () => resolve())));
    await encoder.kill();
    // The orphaned transcoder sees its input close and exits by itself.
    await waitFor('the orphaned transcoder to exit', async () => (await ffmpegProcessesMatching(dataDir)).length === 0 || undefined);

    const stranded = await listedOnScratch(join(dataDir, 'scratch', created.id));
    assert.ok(stranded.size > 0, 'the crash left complete, listed segments on scratch (the orphaned ffmpeg lists its last one)');

    restarted = await startTestPlane({ dataDir, env: { STREAMPLANE_LADDER: '360,180' } });
    const recording = await waitFor('the recording to be ready', async () => {
      const page = await restarted!.api<{ items: Array<{ id: string; status: string; playback: { hls: string } }> }>('GET', `/v1/streams/${created.id}/recordings`);
      const r = page.body.items[0];
      return r?.status === 'ready' ? r : undefined;
    }, { timeoutMs: 60_000 });
    const stream = await restarted.api<{ status: string }>('GET', `/v1/streams/${created.id}`);
    assert.equal(stream.body.status, 'ended');

    const vodMaster = parseMaster((await fetchText(recording.playback.hls)).text);
    const vodUrl = new URL(vodMaster[0]!.uri, recording.playback.hls).toString();
    const vod = parseMediaPlaylist((await fetchText(vodUrl)).text);
    assert.equal(vod.endList, true);
    const vodFiles = new Set(vod.segments.map((s) => s.uri.split('/').pop()));
    for (const file of livePaths) assert.ok(vodFiles.has(file), `${file}, live before the crash, is in the recording`);
    const inRecording = new Set<string>();
    for (const variant of vodMaster) {
      const url = new URL(variant.uri, recording.playback.hls).toString();
      for (const segment of parseMediaPlaylist((await fetchText(url)).text).segments) if (!segment.gap) inRecording.add(`${variant.uri.split('/')[0]}/${segment.uri.split('/').pop()}`);
    }
    for (const file of stranded) assert.ok(inRecording.has(file), `${file}, listed on scratch at the crash, is in the recording`);
    assert.equal(await exists(join(dataDir, 'scratch', created.id)), false, 'the stream left nothing on scratch');
    const probed = await ffprobeStreams(vodUrl);
    assert.ok(Number(probed.format.duration) >= beforeCrash.segments.length * 2 - 2, `VOD lasts ${probed.format.duration} s`);
  });
});

/**
 * `<rendition>/<stored file name>` of every complete segment listed on a stream's scratch, named from the
 * run's manifest as the packager names them: what the recording must hold.
 */
async function listedOnScratch(streamDir: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const session of await readdir(streamDir)) {
    for (const run of await readdir(join(streamDir, session))) {
      const runDir = join(streamDir, session, run);
      const manifest = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as { firstSequence: number; discontinuitySequence: number; renditions: string[] };
      for (const rendition of manifest.renditions) {
        const list = await readFile(join(runDir, rendition, 'segments.csv'), 'utf8').catch(() => '');
        for (const line of list.split('\n').filter(Boolean)) {
          const entry = parseSegmentListLine(line);
          if (!(await exists(join(runDir, rendition, entry.filename)))) continue; // uploaded before the crash
          out.add(`${rendition}/${segmentFile({ sequence: manifest.firstSequence + entry.index, duration: entry.duration, discontinuitySequence: manifest.discontinuitySequence })}`);
        }
      }
    }
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
