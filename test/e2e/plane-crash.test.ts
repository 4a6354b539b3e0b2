/**
 * The plane dies hard (SIGKILL, no cleanup) in the middle of a recorded session. Restarted on the same
 * data dir, it takes the orphaned session over, ends it after its reconnect window, and finalizes a
 * recording holding everything that had been uploaded before the crash.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseMediaPlaylist } from '../../core/hls/playlist';
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

  it('finalizes the orphaned session after a restart, with every segment uploaded before the crash', async () => {
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
    const probed = await ffprobeStreams(vodUrl);
    assert.ok(Number(probed.format.duration) >= beforeCrash.segments.length * 2 - 2, `VOD lasts ${probed.format.duration} s`);
  });
});
