/**
 * `npm run bench:pulls [rounds]`: how long a pull takes from `POST /start` to a playable master
 * playlist (ffprobe finds video), for an RTSP camera (GStreamer's RTSP server), a live HLS source and an
 * SRT listener (Debian's ffmpeg, with a passphrase),
 * against the baseline of a push (ffmpeg publishing the same 320x180 pattern over RTMP, from its first
 * byte to playable) measured in the same run on the same plane. Rounds are interleaved so a busy shared
 * machine hits all of them alike; the median of each is reported with the ratio to the push. Target: each
 * pull playable within 10 s of start, and within about 2x the push.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlaneConfig } from '../containers/ingest/src/config';
import { silentLogger } from '../core/ports/logger';
import { startLocalPlane } from '../local/local-plane';
import { ffprobeStreams, publish, stopAll } from '../test/support/ffmpeg';
import { startHlsSource, startRtspServer, startSrtListener, type PullPeer } from '../test/support/pull-peers';
import { waitFor } from '../test/support/wait';

const rounds = Number(process.argv[2] ?? 3);

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-pulls-'));
  const plane = await startLocalPlane(
    loadPlaneConfig({ STREAMPLANE_HTTP_PORT: '0', STREAMPLANE_RTMP_PORT: '0', STREAMPLANE_BIND: '127.0.0.1', STREAMPLANE_PUBLIC_HOST: '127.0.0.1', STREAMPLANE_DATA_DIR: dataDir, STREAMPLANE_LADDER: '180', STREAMPLANE_SEGMENT_SECONDS: '1', STREAMPLANE_API_TOKEN: 'bench-token-0123456789abcdef' }),
    silentLogger,
  );
  const base = `http://127.0.0.1:${plane.httpPort}`;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${plane.apiToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return (await r.json()) as T;
  };
  const playable = (hls: string) => waitFor('playable', async () => (await ffprobeStreams(hls)).streams.some((s) => s.codec_type === 'video'), { timeoutMs: 60_000, intervalMs: 100 });
  const peers: PullPeer[] = [await startRtspServer(), await startHlsSource()];
  const times: Record<'push' | 'rtsp' | 'hls' | 'srt', number[]> = { push: [], rtsp: [], hls: [], srt: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      // Push baseline: from the encoder's start to playable.
      const pushed = await api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: `Push ${round}` });
      let t0 = Date.now();
      const encoder = publish({ url: `${plane.urls.rtmpServer}/${pushed.streamKey}`, width: 320, height: 180, fps: 25, gopSeconds: 1, seconds: 60, videoBitrate: '400k' });
      await playable(pushed.playback.hls);
      times.push.push((Date.now() - t0) / 1000);
      await encoder.kill();
      await api('POST', `/v1/streams/${pushed.id}/end`);
      // The SRT listener serves one caller and exits with it: a fresh one per round.
      const srt = await startSrtListener({ passphrase: 'bench-srt-passphrase' });
      peers.push(srt);
      for (const [kind, peer] of [['rtsp', peers[0]], ['hls', peers[1]], ['srt', srt]] as const) {
        const s = await api<{ id: string; playback: { hls: string } }>('POST', '/v1/streams', { name: `${kind} ${round}`, source: { url: peer?.url } });
        t0 = Date.now();
        await api('POST', `/v1/streams/${s.id}/start`);
        await playable(s.playback.hls);
        times[kind].push((Date.now() - t0) / 1000);
        await api('POST', `/v1/streams/${s.id}/end`);
      }
    }
  } finally {
    await plane.stop();
    for (const peer of peers) await peer.stop();
    await stopAll();
    await rm(dataDir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const push = median(times.push);
  console.log(`rounds: ${rounds}`);
  console.log(`push (baseline): ${push.toFixed(1)} s to playable`);
  for (const kind of ['rtsp', 'hls', 'srt'] as const) {
    const m = median(times[kind]);
    console.log(`${kind} pull: ${m.toFixed(1)} s from start to playable (${(m / push).toFixed(2)}x push) ${m <= 10 ? 'OK' : 'OVER 10 s'}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
