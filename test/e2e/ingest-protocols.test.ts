/**
 * Ingest beyond plain RTMP, with real encoders on a real local plane: ffmpeg publishing over SRT (several
 * callers on one UDP port, routed by streamid, one of them encrypted), MPEG-TS pushed over HTTP, RTMPS to
 * a certificate generated here, and a passthrough-only stream. Every protocol goes through the same gate
 * (refusals before any transcoder, `stream.rejected` with the caller's address) and the same post-gate
 * path (ladder, recording, events).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffmpegProcessesMatching, ffprobeStreams, publish, stopAll, type Publisher } from '../support/ffmpeg';
import { fetchText, parseMaster, waitForMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

interface Created {
  id: string;
  streamKey: string;
  transcodeMode: string;
  ingest: { server: string; url: string; srt?: string; srtEncrypted?: boolean; http?: string; rtmpsServer?: string; rtmpsUrl?: string };
  playback: { hls: string };
}

interface Event {
  type: string;
  streamId: string | null;
  data: { reason?: string; remoteAddress?: string };
}

const SMALL = { width: 640, height: 360 };

describe('ingest protocols', () => {
  let t: TestPlane;
  let certDir: string;
  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'streamplane-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    t = await startTestPlane({
      env: {
        STREAMPLANE_LADDER: '360,180',
        STREAMPLANE_SRT_PORT: '0',
        STREAMPLANE_RTMPS_PORT: '0',
        STREAMPLANE_TLS_CERT: join(certDir, 'cert.pem'),
        STREAMPLANE_TLS_KEY: join(certDir, 'key.pem'),
      },
    });
  });
  after(async () => {
    await stopAll();
    await t?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  async function create(name: string, extra: Record<string, unknown> = {}): Promise<Created> {
    const created = await t.api<Created>('POST', '/v1/streams', { name, reconnectWindowSeconds: 0, ...extra });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  }

  async function events(streamId?: string): Promise<Event[]> {
    const page = await t.api<{ items: Event[] }>('GET', `/v1/events?limit=100${streamId ? `&streamId=${streamId}` : ''}`);
    return page.body.items;
  }

  async function status(id: string): Promise<string> {
    return (await t.api<{ status: string }>('GET', `/v1/streams/${id}`)).body.status;
  }

  /** The encoder must be let go by the plane (not killed by the test), and no transcoder may start for it. */
  async function refused(start: () => Publisher): Promise<void> {
    const running = new Set(await ffmpegProcessesMatching(t.dataDir));
    const encoder = start();
    const watchdog = setTimeout(() => void encoder.kill(), 25_000);
    const exit = await encoder.exited;
    clearTimeout(watchdog);
    assert.notEqual(exit.signal, 'SIGKILL', 'the plane refused the publish (the encoder was not killed by the test)');
    assert.notEqual(exit.code, 0, 'the encoder saw its publish fail');
    assert.deepEqual((await ffmpegProcessesMatching(t.dataDir)).filter((pid) => !running.has(pid)), [], 'no transcoder started for a refused publish');
  }

  it('hands out SRT, HTTP and RTMPS URLs on create only, and never the key afterwards', async () => {
    const stream = await create('urls', { srtPassphrase: 'correct-horse' });
    assert.equal(stream.ingest.srt, `srt://127.0.0.1:${t.plane.srtPort}?streamid=${stream.streamKey}`);
    assert.equal(stream.ingest.http, `${t.base}/ingest/${stream.streamKey}`);
    assert.equal(stream.ingest.rtmpsUrl, `rtmps://127.0.0.1:${t.plane.rtmpsPort}/live/${stream.streamKey}`);
    assert.equal(stream.ingest.srtEncrypted, true);
    const got = await t.api<Record<string, unknown>>('GET', `/v1/streams/${stream.id}`);
    const text = JSON.stringify(got.body);
    assert.ok(!text.includes(stream.streamKey) && !text.includes('correct-horse'), 'neither the key nor the passphrase is listed');
    assert.deepEqual(got.body.ingest, {
      server: stream.ingest.server,
      rtmpsServer: stream.ingest.rtmpsServer,
      srtEncrypted: true,
      // Backup ingest: the key-less server and both feeds, never the key-bearing backupUrl.
      backupServer: stream.ingest.server.replace(/\/live$/, '/live-backup'),
      feeds: [{ role: 'primary', state: 'absent', since: null }, { role: 'backup', state: 'absent', since: null }],
    });
    const bad = await t.api<{ code: string }>('PATCH', `/v1/streams/${stream.id}`, { srtPassphrase: 'short' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'validation');
  });

  it('takes two SRT callers on one port at once, each routed to its stream by streamid, one encrypted; both go live with the ladder and are recorded', async () => {
    const plain = await create('srt plain', { recording: true });
    const secret = await create('srt secret', { recording: true, srtPassphrase: 'a-long-passphrase' });
    const a = publish({ url: plain.ingest.srt!, ...SMALL, seconds: 10, format: 'mpegts' });
    const b = publish({ url: `${secret.ingest.srt!}&passphrase=a-long-passphrase`, ...SMALL, seconds: 10, format: 'mpegts' });
    for (const stream of [plain, secret]) {
      const variants = parseMaster(await waitForMaster(stream.playback.hls));
      assert.deepEqual(variants.map((v) => v.resolution?.height), [360, 180], 'the same ladder as RTMP');
      assert.equal(await status(stream.id), 'live');
    }
    await Promise.all([a.exited, b.exited]);
    for (const stream of [plain, secret]) {
      await waitFor('ended', async () => (await status(stream.id)) === 'ended', { timeoutMs: 30_000 });
      const types = (await events(stream.id)).map((e) => e.type);
      for (const type of ['stream.connected', 'stream.live', 'stream.ended']) assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
      const recording = await waitFor('recording ready', async () => {
        const items = (await t.api<{ items: Array<{ status: string }> }>('GET', `/v1/streams/${stream.id}/recordings`)).body.items;
        return items.length === 1 && items[0]!.status === 'ready' ? items[0] : undefined;
      }, { timeoutMs: 60_000 });
      assert.ok(recording);
    }
  });

  it('refuses an SRT caller with a wrong streamid, and one without the passphrase, before any transcoder starts', async () => {
    const secret = await create('srt refused', { srtPassphrase: 'another-passphrase' });
    await refused(() => publish({ url: `srt://127.0.0.1:${t.plane.srtPort}?streamid=sk_${'B'.repeat(43)}`, ...SMALL, seconds: 20, format: 'mpegts' }));
    const rejected = (await events()).filter((e) => e.type === 'stream.rejected' && e.data.reason === 'unknown_key');
    assert.ok(rejected.length >= 1, 'stream.rejected for the wrong streamid');
    assert.equal(rejected[0]!.data.remoteAddress, '127.0.0.1');
    await refused(() => publish({ url: secret.ingest.srt!, ...SMALL, seconds: 20, format: 'mpegts' }));
    assert.notEqual(await status(secret.id), 'live');
  });

  it('goes live from an HTTP MPEG-TS push (ffmpeg -method PUT), and the push ending is the publisher leaving', async () => {
    const stream = await create('http push');
    const encoder = publish({ url: stream.ingest.http!, ...SMALL, seconds: 8, format: 'mpegts', outputArgs: ['-method', 'PUT'] });
    const variants = parseMaster(await waitForMaster(stream.playback.hls));
    assert.deepEqual(variants.map((v) => v.resolution?.height), [360, 180]);
    assert.equal((await encoder.exited).code, 0, encoder.stderr());
    await waitFor('ended after the push ended', async () => (await status(stream.id)) === 'ended', { timeoutMs: 30_000 });
  });

  it('refuses a body that is not MPEG-TS with 400 within the first kilobyte, starting nothing', async () => {
    const stream = await create('http not ts');
    const response = await fetch(stream.ingest.http!, { method: 'PUT', body: '<html>' + 'x'.repeat(4000) });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await response.json()) as { code: string }).code, 'not_mpegts');
    assert.equal(await status(stream.id), 'idle', 'the gate never ran: no session');
    assert.deepEqual((await events(stream.id)).map((e) => e.type), ['stream.created']);
    const wrongKey = await fetch(`${t.base}/ingest/sk_${'C'.repeat(43)}`, { method: 'POST', body: new Uint8Array(tsPackets(8)) });
    assert.equal(wrongKey.status, 403);
    assert.equal(((await wrongKey.json()) as { reason: string }).reason, 'unknown_key');
  });

  it('rate-limits an address guessing keys over HTTP push by its real address, not the loopback hop', async () => {
    const guesser = '127.0.0.9';
    let last = 0;
    for (let i = 0; i < 11; i++) last = await pushFrom(guesser, `${t.base}/ingest/sk_${String(i).padStart(43, 'D')}`);
    assert.equal(last, 429, 'the 11th guess from one address is rate-limited');
    const limited = (await events()).filter((e) => e.type === 'stream.rejected' && e.data.reason === 'rate_limited');
    assert.equal(limited[0]?.data.remoteAddress, guesser);
    // Another caller (and every handoff on loopback) is unaffected.
    const stream = await create('after guessing');
    const encoder = publish({ url: stream.ingest.srt!, ...SMALL, seconds: 6, format: 'mpegts' });
    await waitForMaster(stream.playback.hls);
    await encoder.exited;
  });

  it('refuses an RTMP publish to the internal handoff app without a valid token', async () => {
    await refused(() => publish({ url: `rtmp://127.0.0.1:${t.plane.rtmpPort}/handoff/${'x'.repeat(43)}`, ...SMALL, seconds: 20 }));
  });

  it('goes live from ffmpeg publishing to rtmps:// with the test certificate', async () => {
    const stream = await create('rtmps');
    const encoder = publish({ url: stream.ingest.rtmpsUrl!, ...SMALL, seconds: 8 });
    const variants = parseMaster(await waitForMaster(stream.playback.hls));
    assert.deepEqual(variants.map((v) => v.resolution?.height), [360, 180]);
    const connected = (await events(stream.id)).find((e) => e.type === 'stream.connected');
    assert.equal(connected?.data.remoteAddress, '127.0.0.1');
    await encoder.exited;
  });

  it('packages a passthrough stream as one copied rendition whose master states its real CODECS, RESOLUTION and BANDWIDTH', async () => {
    const stream = await create('passthrough', { transcode: 'passthrough' });
    assert.equal(stream.transcodeMode, 'passthrough');
    const encoder = publish({ url: `${stream.ingest.server}/${stream.streamKey}`, width: 640, height: 360, seconds: 10, videoBitrate: '1500k' });
    const variants = parseMaster(await waitForMaster(stream.playback.hls));
    const live = await waitFor('the decision on the stream', async () => (await t.api<{ transcode?: { topRung: string; renditions: unknown[] } }>('GET', `/v1/streams/${stream.id}`)).body.transcode);
    assert.equal(live.topRung, 'passthrough');
    assert.equal(live.renditions.length, 1);
    assert.equal(variants.length, 1, 'one rendition');
    const [variant] = variants;
    assert.deepEqual(variant!.resolution, { width: 640, height: 360 });
    const media = new URL(variant!.uri, stream.playback.hls).toString();
    const probed = await waitFor('a segment', async () => {
      const playlist = await fetchText(media);
      const segment = playlist.text.split('\n').find((l) => l.endsWith('.ts'));
      return segment ? ffprobeStreams(new URL(segment, media).toString()) : undefined;
    });
    const video = probed.streams.find((s) => s.codec_type === 'video') as { profile?: string; level?: number; width?: number };
    const profileIdc = { 'Constrained Baseline': '42', Baseline: '42', Main: '4d', High: '64' }[video.profile ?? ''] ?? '??';
    assert.match(variant!.codecs ?? '', new RegExp(`^avc1\\.${profileIdc}[0-9a-f]{2}${(video.level ?? 0).toString(16).padStart(2, '0')},mp4a\\.40\\.2$`));
    assert.ok(variant!.bandwidth! >= 1_500_000 && variant!.bandwidth! <= 3_000_000, `BANDWIDTH ${variant!.bandwidth} fits a 1.5 Mbps source`);
    await encoder.exited;
  });
});

/** `count` null MPEG-TS packets: recognisably TS, carrying nothing. */
function tsPackets(count: number): Buffer {
  const packet = Buffer.alloc(188, 0xff);
  packet[0] = 0x47;
  packet[1] = 0x1f;
  packet[2] = 0xff;
  packet[3] = 0x10;
  return Buffer.concat(Array.from({ length: count }, () => packet));
}

/** A TS push from a given local address; resolves with the status. */
function pushFrom(localAddress: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(tsPackets(8));
  });
}
