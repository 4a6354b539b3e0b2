/**
 * Simulcast end to end, with real parts: the local plane, an encoder publishing a small test pattern,
 * and as targets an ffmpeg RTMP listener (which refuses any stream name but the expected key, so a
 * received file proves the key arrived), a port that refuses connections, and a TCP server that
 * accepts and never reads. The working target gets the source as published (codecs, duration), the
 * refusing one is `errored` with its retries in relay.failed events, and neither a refusing nor a
 * stalled target holds up the live HLS or the recording. The key never shows in a response, an event
 * or any process's command line.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ffprobeStreams, publish, stopAll } from '../support/ffmpeg';
import { fetchText, waitForMaster } from '../support/hls';
import { freePort } from '../support/net';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

const ENV = { STREAMPLANE_LADDER: '180', STREAMPLANE_RELAY_PUBLISH_TIMEOUT_SECONDS: '6' };
const TARGET_KEY = 'tgt_live_4f9c2a7e1b';

interface TargetView {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  status: string;
  lastError?: string;
  hasStreamKey: boolean;
}
interface Event {
  type: string;
  streamId: string | null;
  data: { targetId?: string; attempt?: number; reason?: string; durationSeconds?: number };
}

/** An ffmpeg RTMP listener that accepts exactly one publish to /live2/<key> and writes it to a file. */
function listener(port: number, key: string, file: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-listen', '1', '-timeout', '120', '-i', `rtmp://127.0.0.1:${port}/live2/${key}`, '-c', 'copy', '-f', 'flv', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.resume();
  return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

/** Accepts TCP connections and never reads from them (a target that stalls). */
async function stallingServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

/** Every command line on this machine that contains `needle`, except those of the given (test-owned) processes. */
async function commandLinesWith(needle: string, except: ReadonlyArray<number | undefined>): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || except.includes(Number(pid))) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(cmdline.replace(/\0/g, ' '));
  }
  return found;
}

describe('simulcast targets end to end', () => {
  let t: TestPlane | undefined;
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  after(async () => {
    await stopAll();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const server of servers) server.close();
    await t?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function events(streamId: string): Promise<Event[]> {
    return (await t!.api<{ items: Event[] }>('GET', `/v1/events?streamId=${streamId}&limit=100`)).body.items;
  }
  const target = async (streamId: string, id: string) => (await t!.api<TargetView>('GET', `/v1/streams/${streamId}/simulcast-targets/${id}`)).body;

  it('relays a 30 s publish to the working target, marks the refusing one errored with counted retries, and leaves live HLS and the recording complete', async () => {
    t = await startTestPlane({ env: ENV });
    const dir = await mkdtemp(join(tmpdir(), 'simulcast-e2e-'));
    dirs.push(dir);
    const stream = (await t.api<{ id: string; streamKey: string }>('POST', '/v1/streams', { name: 'simulcast', recording: true, reconnectWindowSeconds: 0 })).body;
    const goodPort = await freePort();
    const refusingPort = await freePort();
    const received = join(dir, 'received.flv');
    const good = listener(goodPort, TARGET_KEY, received);
    children.push(good.child);

    // Hostile input: refused with a problem, nothing stored.
    const hostile = await t.api<{ code: string }>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: 'rtmp://169.254.169.254/live', streamKey: 'x' });
    assert.equal(hostile.status, 400);
    assert.equal(hostile.headers.get('content-type'), 'application/problem+json');
    assert.equal(hostile.body.code, 'validation');
    const unknownField = await t.api<{ code: string }>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: 'rtmp://127.0.0.1/live', key: 'x' });
    assert.equal(unknownField.status, 400);

    const created = await t.api<TargetView>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: `rtmp://127.0.0.1:${goodPort}/live2`, streamKey: TARGET_KEY, name: 'working' });
    assert.equal(created.status, 201);
    assert.deepEqual({ name: created.body.name, enabled: created.body.enabled, status: created.body.status, hasStreamKey: created.body.hasStreamKey }, { name: 'working', enabled: true, status: 'idle', hasStreamKey: true });
    const refusing = (await t.api<TargetView>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: `rtmp://127.0.0.1:${refusingPort}/live`, streamKey: 'other-key' })).body;
    const listing = await t.api<{ items: TargetView[] }>('GET', `/v1/streams/${stream.id}/simulcast-targets`);
    assert.deepEqual(listing.body.items.map((i) => i.id), [created.body.id, refusing.id]);
    assert.equal(JSON.stringify(listing.body).includes(TARGET_KEY), false, 'the key is never listed');

    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 320, height: 180, fps: 15, gopSeconds: 1, seconds: 30, videoBitrate: '300k' });
    await waitFor('the working target broadcasting', async () => (await target(stream.id, created.body.id)).status === 'broadcasting' || undefined, { timeoutMs: 40_000 });
    await waitForMaster(`${t.base}/live/${stream.id}/master.m3u8`);
    assert.deepEqual(await commandLinesWith(TARGET_KEY, [good.child.pid]), [], 'no command line on this machine but the test target\'s own carries the key');
    const errored = await waitFor('the refusing target errored', async () => {
      const view = await target(stream.id, refusing.id);
      return view.status === 'errored' ? view : undefined;
    }, { timeoutMs: 20_000 });
    assert.match(errored.lastError ?? '', /refused/);

    await encoder.exited;
    assert.equal(await good.exited, 0, 'the target listener got a whole publish');
    const probed = await ffprobeStreams(received);
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.ok(Number(probed.format.duration) >= 0.8 * 30, `the target received ${probed.format.duration} s of 30 s`);

    const ready = await waitFor('recording.ready', async () => (await events(stream.id)).find((e) => e.type === 'recording.ready'), { timeoutMs: 90_000 });
    assert.ok((ready.data.durationSeconds ?? 0) >= 27, `the recording lasts ${ready.data.durationSeconds} s`);
    const master = await fetchText(`${t.base}/live/${stream.id}/master.m3u8`);
    assert.equal(master.status, 200);

    const all = await events(stream.id);
    const relay = (type: string, id: string) => all.filter((e) => e.type === type && e.data.targetId === id);
    assert.equal(relay('relay.started', created.body.id).length, 1);
    assert.equal(relay('relay.connected', created.body.id).length, 1);
    const failures = relay('relay.failed', refusing.id);
    assert.ok(failures.length >= 3, `the refusing target was retried (${failures.length} failed attempts)`);
    assert.deepEqual(failures.map((e) => e.data.attempt), failures.map((_, i) => i + 1), 'attempts are counted');
    assert.equal(relay('relay.connected', refusing.id).length, 0);
    await waitFor('both relays stopped', async () => (await events(stream.id)).filter((e) => e.type === 'relay.stopped').length === 2 || undefined, { timeoutMs: 20_000 });
    assert.equal(JSON.stringify(await events(stream.id)).includes(TARGET_KEY), false, 'no event carries the key');
    await waitFor('targets idle again', async () => {
      const items = (await t!.api<{ items: TargetView[] }>('GET', `/v1/streams/${stream.id}/simulcast-targets`)).body.items;
      return items.every((i) => i.status === 'idle') || undefined;
    });
  });

  it('a stalled target (accepts, never reads) leaves the live output on time and the other target unaffected; disabling it while live stops only its relay', async () => {
    t ??= await startTestPlane({ env: ENV });
    const dir = await mkdtemp(join(tmpdir(), 'simulcast-e2e-'));
    dirs.push(dir);
    const stall = await stallingServer();
    servers.push(stall.server);
    const stream = (await t.api<{ id: string; streamKey: string }>('POST', '/v1/streams', { name: 'stalled', reconnectWindowSeconds: 0 })).body;
    const goodPort = await freePort();
    const received = join(dir, 'received.flv');
    const good = listener(goodPort, TARGET_KEY, received);
    children.push(good.child);
    const working = (await t.api<TargetView>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: `rtmp://127.0.0.1:${goodPort}/live2`, streamKey: TARGET_KEY })).body;
    const stalled = (await t.api<TargetView>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: `rtmp://127.0.0.1:${stall.port}/live`, streamKey: 'stalled-key' })).body;

    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 320, height: 180, fps: 15, gopSeconds: 1, seconds: 20, videoBitrate: '300k' });
    await waitForMaster(`${t.base}/live/${stream.id}/master.m3u8`);
    await waitFor('the stalled target connected to', () => stall.sockets.length > 0 || undefined, { timeoutMs: 20_000 });
    await waitFor('the working target broadcasting', async () => (await target(stream.id, working.id)).status === 'broadcasting' || undefined, { timeoutMs: 30_000 });
    const stalledView = await waitFor('the stalled target errored', async () => {
      const view = await target(stream.id, stalled.id);
      return view.status === 'errored' ? view : undefined;
    }, { timeoutMs: 20_000 });
    assert.match(stalledView.lastError ?? '', /did not accept the publish/);

    const disabled = await t.api<TargetView>('PATCH', `/v1/streams/${stream.id}/simulcast-targets/${stalled.id}`, { enabled: false });
    assert.equal(disabled.status, 200);
    await waitFor('the stalled target idle', async () => (await target(stream.id, stalled.id)).status === 'idle' || undefined, { timeoutMs: 10_000 });
    assert.equal((await target(stream.id, working.id)).status, 'broadcasting', 'disabling one target leaves the other relaying');
    // The PATCH answers once the target is stored; the relay's stop and its event follow it.
    const stopped = await waitFor('relay.stopped for the disabled target', async () => {
      const found = (await events(stream.id)).filter((e) => e.type === 'relay.stopped');
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 10_000 });
    assert.deepEqual(stopped.map((e) => [e.data.targetId, e.data.reason]), [[stalled.id, 'disabled']]);

    await encoder.exited;
    assert.equal(await good.exited, 0);
    const probed = await ffprobeStreams(received);
    assert.ok(Number(probed.format.duration) >= 0.8 * 20, `the working target received ${probed.format.duration} s of 20 s`);
  });
});
