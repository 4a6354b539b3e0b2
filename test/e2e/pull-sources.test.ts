/**
 * Pull sources end to end on a real local plane: GStreamer's RTSP server (with basic auth) and a live HLS
 * source made by ffmpeg become playable HLS after `start`, through the same ladder and packager as a push;
 * the credentials never show in responses or events; a start beyond STREAMPLANE_MAX_PULLS (1 here, to
 * keep the machine cheap) is `queued` and starts when the running pull ends; a dropped source is retried
 * inside the reconnect window (`interrupted` → `recovered`); `stop-pulls` ends them; unreachable and
 * non-media sources fail with `lastError` and `stream.failed`, never a stuck `connected`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ffprobeStreams } from '../support/ffmpeg';
import { processesConnectedTo, processesShowing } from '../support/proc';
import { freePort } from '../support/net';
import { startTestPlane, type TestPlane } from '../support/plane';
import { startHlsSource, startNonMediaServer, startRtspServer, type PullPeer } from '../support/pull-peers';
import { waitFor } from '../support/wait';

const PASSWORD = 's3cret-Pa55';

interface StreamBody {
  id: string;
  status: string;
  streamKey?: string;
  ingest: { type?: string; url?: string; server?: string };
  pull?: { state: string; lastError?: string; attempts?: number };
  playback: { hls: string };
}

describe('pull sources (RTSP, HLS) on the local plane', { timeout: 240_000 }, () => {
  let t: TestPlane;
  const peers: PullPeer[] = [];

  before(async () => {
    t = await startTestPlane({ env: { STREAMPLANE_LADDER: '180', STREAMPLANE_MAX_PULLS: '1', STREAMPLANE_SEGMENT_SECONDS: '1' } });
  });
  after(async () => {
    await t?.stop();
    for (const peer of peers) await peer.stop();
  });

  const get = async (id: string) => (await t.api<StreamBody>('GET', `/v1/streams/${id}`)).body;
  const events = async (id: string) => (await t.api<{ items: Array<{ type: string; data: Record<string, unknown> }> }>('GET', `/v1/events?streamId=${id}&limit=100`)).body.items;
  const playable = async (hls: string) => {
    const probe = await ffprobeStreams(hls);
    return probe.streams.some((s) => s.codec_type === 'video') ? probe : undefined;
  };

  it('pulls RTSP and HLS into playable HLS, queues beyond the limit, recovers a drop, and stops them all', async () => {
    const rtsp = await startRtspServer({ user: 'admin', password: PASSWORD });
    peers.push(rtsp);
    const hls = await startHlsSource();
    peers.push(hls);

    // Prepare: two pulled streams. Neither has a key; the RTSP credentials are masked.
    const cam = await t.api<StreamBody>('POST', '/v1/streams', { name: 'Lobby camera', source: { url: rtsp.url }, reconnectWindowSeconds: 30 });
    assert.equal(cam.status, 201);
    assert.equal(cam.body.streamKey, undefined);
    assert.deepEqual(cam.body.ingest, { type: 'pull', url: `rtsp://***@127.0.0.1:${rtsp.port}/cam` });
    assert.equal(cam.body.pull?.state, 'idle');
    const station = await t.api<StreamBody>('POST', '/v1/streams', { name: 'Other station', source: { url: hls.url } });
    assert.equal(station.status, 201);

    // Act: start the camera; a second start is answered with the current state and starts nothing.
    const camStart = Date.now();
    const started = await t.api<StreamBody>('POST', `/v1/streams/${cam.body.id}/start`);
    assert.equal(started.status, 202);
    const again = await t.api<StreamBody>('POST', `/v1/streams/${cam.body.id}/start`);
    assert.equal(again.status, 200);
    assert.ok(['queued', 'starting', 'pulling'].includes(again.body.pull?.state ?? ''), `state ${again.body.pull?.state}`);
    await waitFor('the RTSP pull to be playable', () => playable(cam.body.playback.hls), { timeoutMs: 60_000, intervalMs: 250 });
    const camSeconds = (Date.now() - camStart) / 1000;
    assert.equal((await processesConnectedTo(rtsp.port)).length, 1, 'one pull process for the camera');
    // Nobody on the machine sees the credentials: no argv (or environment) of any process started here holds them.
    assert.deepEqual(await processesShowing(PASSWORD, [rtsp.pid]), [], 'the RTSP password is in a process argument list');
    const camView = await get(cam.body.id);
    assert.equal(camView.status, 'live');
    assert.equal(camView.pull?.state, 'pulling');

    // The limit is 1: the station waits, visibly.
    const queued = await t.api<StreamBody>('POST', `/v1/streams/${station.body.id}/start`);
    assert.equal(queued.status, 202);
    assert.equal(queued.body.pull?.state, 'queued');
    assert.equal((await get(station.body.id)).pull?.state, 'queued');
    assert.equal((await get(station.body.id)).status, 'idle');

    // The camera drops and comes back inside the reconnect window.
    await rtsp.stop();
    await waitFor('the camera stream to be interrupted', async () => (await get(cam.body.id)).status === 'interrupted', { timeoutMs: 30_000 });
    const back = await startRtspServer({ user: 'admin', password: PASSWORD, port: rtsp.port });
    peers.push(back);
    await waitFor('stream.recovered', async () => (await events(cam.body.id)).some((e) => e.type === 'stream.recovered'), { timeoutMs: 30_000 });
    await waitFor('the camera live again', async () => (await get(cam.body.id)).status === 'live', { timeoutMs: 30_000 });

    // Ending the camera frees the slot: the station starts by itself.
    const ended = await t.api<StreamBody>('POST', `/v1/streams/${cam.body.id}/end`);
    assert.equal(ended.status, 200);
    const stationStart = Date.now();
    await waitFor('the HLS pull to be playable', () => playable(station.body.playback.hls), { timeoutMs: 60_000, intervalMs: 250 });
    const stationSeconds = (Date.now() - stationStart) / 1000;
    assert.deepEqual(await processesShowing(`127.0.0.1:${hls.port}/live.m3u8`), [], 'the HLS source URL is in a process argument list');
    assert.equal((await get(cam.body.id)).pull?.state, 'stopped');
    await waitFor('the camera pull process gone', async () => (await processesConnectedTo(rtsp.port)).length === 0, { timeoutMs: 10_000 });

    // stop-pulls ends the running station.
    const stopped = await t.api<{ stopped: number; streamIds: string[] }>('POST', '/v1/streams/stop-pulls');
    assert.equal(stopped.status, 200);
    assert.deepEqual(stopped.body, { stopped: 1, streamIds: [station.body.id] });
    await waitFor('the station ended', async () => (await get(station.body.id)).status === 'ended', { timeoutMs: 15_000 });
    await waitFor('the station pull process gone', async () => (await processesConnectedTo(hls.port)).length === 0, { timeoutMs: 10_000 });
    assert.equal((await t.api<{ stopped: number }>('POST', '/v1/streams/stop-pulls')).body.stopped, 0);

    // Assess: the same events as a push, and the password nowhere in the API or the events.
    const camTypes = (await events(cam.body.id)).map((e) => e.type);
    for (const type of ['stream.connected', 'stream.live', 'stream.interrupted', 'stream.recovered', 'stream.ended']) assert.ok(camTypes.includes(type), `camera has ${type}`);
    const stationTypes = (await events(station.body.id)).map((e) => e.type);
    for (const type of ['stream.connected', 'stream.live', 'stream.ended']) assert.ok(stationTypes.includes(type), `station has ${type}`);
    const everything = JSON.stringify([await t.api('GET', '/v1/streams'), await events(cam.body.id), await get(cam.body.id)]);
    assert.ok(!everything.includes(PASSWORD), 'the RTSP password never appears');
    process.stdout.write(`# playable after start: RTSP ${camSeconds.toFixed(1)} s, HLS ${stationSeconds.toFixed(1)} s\n`);
  });

  it('fails an unreachable or non-media source with lastError and stream.failed, never stuck connected', async () => {
    const closedPort = await freePort();
    const nonMedia = await startNonMediaServer();
    peers.push(nonMedia);
    const rtsp = await startRtspServer({ user: 'admin', password: PASSWORD });
    peers.push(rtsp);
    const cases = [
      { name: 'Unplugged camera', url: `rtsp://admin:${PASSWORD}@127.0.0.1:${closedPort}/cam`, error: /refused/i },
      { name: 'Login page', url: nonMedia.url, error: /invalid data|not.*media|error/i },
      { name: 'Wrong password', url: rtsp.url.replace(PASSWORD, 'wrong-pass-word'), error: /401|unauthori[sz]ed/i },
    ];
    for (const c of cases) {
      const created = await t.api<StreamBody>('POST', '/v1/streams', { name: c.name, source: { url: c.url } });
      assert.equal(created.status, 201);
      assert.equal((await t.api('POST', `/v1/streams/${created.body.id}/start`)).status, 202);
      const failed = await waitFor(`${c.name} to fail`, async () => {
        const s = await get(created.body.id);
        assert.notEqual(s.status, 'connected');
        return s.pull?.state === 'failed' ? s : undefined;
      }, { timeoutMs: 60_000 });
      assert.match(failed.pull?.lastError ?? '', c.error);
      assert.equal(failed.status, 'idle');
      // The state is written before the event reaches the log: wait for the event, bounded.
      const { list, failure } = await waitFor(`${c.name}: stream.failed`, async () => {
        const list = await events(created.body.id);
        const failure = list.find((e) => e.type === 'stream.failed');
        return failure ? { list, failure } : undefined;
      }, { timeoutMs: 10_000 });
      assert.equal(failure.data.attempts, 3);
      assert.ok(!JSON.stringify([failed, list]).includes(PASSWORD) && !JSON.stringify([failed, list]).includes('wrong-pass-word'), 'no credential in lastError or events');
    }
  });

  it('refuses hostile or unsupported source URLs with a problem and stores nothing', async () => {
    const before = (await t.api<{ items: unknown[] }>('GET', '/v1/streams?limit=100')).body.items.length;
    for (const url of ['file:///etc/passwd', 'http://169.254.169.254/latest/meta-data.m3u8', 'http://127.0.0.1:1/page.html', 'rtsp://0.0.0.0/x', 'udp://239.0.0.1:1234', 'rtsp://user:pw@cam/x#frag']) {
      const response = await t.api<{ code: string; errors?: Array<{ path: string }> }>('POST', '/v1/streams', { name: 'Hostile', source: { url } });
      assert.equal(response.status, 400, url);
      assert.equal(response.body.code, 'validation', url);
      assert.equal(response.body.errors?.[0]?.path, 'body.source.url', url);
      assert.ok(!JSON.stringify(response.body).includes('pw@'), 'the refusal does not echo credentials');
    }
    assert.equal((await t.api<{ items: unknown[] }>('GET', '/v1/streams?limit=100')).body.items.length, before);
    // A pushed stream cannot be started; a pulled one has no key to reset.
    const pushed = await t.api<StreamBody>('POST', '/v1/streams', { name: 'Pushed' });
    assert.equal((await t.api<{ code: string }>('POST', `/v1/streams/${pushed.body.id}/start`)).body.code, 'conflict');
    const pulled = await t.api<StreamBody>('POST', '/v1/streams', { name: 'Pulled', source: { url: 'rtmp://127.0.0.1:1/live/x' } });
    assert.equal((await t.api<{ code: string }>('POST', `/v1/streams/${pulled.body.id}/reset-key`)).status, 409);
  });
});
