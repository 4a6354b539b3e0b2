/**
 * SRT simulcast targets end to end, with real parts: the local plane, an encoder publishing a small test
 * pattern, and as target Debian's ffmpeg as an SRT listener that requires a passphrase (so a received
 * file proves the passphrase from the key arrived), plus a UDP port where nobody listens. The working
 * target gets the source as received (H.264 + AAC, copied, as MPEG-TS over SRT) for at least 80 % of
 * what was published; the silent one is `errored` with counted retries; neither the streamid nor the
 * passphrase shows in a response, an event, or the argv/environment of any process the plane started.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ffprobeStreams, publish, stopAll } from '../support/ffmpeg';
import { waitForMaster } from '../support/hls';
import { freePort } from '../support/net';
import { startTestPlane, type TestPlane } from '../support/plane';
import { processesShowing } from '../support/proc';
import { waitFor } from '../support/wait';

const ENV = { STREAMPLANE_LADDER: '180', STREAMPLANE_RELAY_PUBLISH_TIMEOUT_SECONDS: '4' };
const STREAM_ID = 'srt-relay-streamid-7d1e';
const PASSPHRASE = 'srt-target-pass-0123';
const SECONDS = 20;

interface TargetView {
  id: string;
  url: string;
  status: string;
  lastError?: string;
  hasStreamKey: boolean;
}
interface Event {
  type: string;
  data: { targetId?: string; attempt?: number; reason?: string };
}

/** Debian's ffmpeg as an SRT listener (passphrase required) writing what one caller sends to a file. */
function srtListener(port: number, file: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', `srt://127.0.0.1:${port}?mode=listener&passphrase=${PASSPHRASE}`, '-c', 'copy', '-f', 'mpegts', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('SRT simulcast targets end to end', { timeout: 180_000 }, () => {
  let t: TestPlane | undefined;
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  after(async () => {
    await stopAll();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await t?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('relays the source as received over SRT with the key as streamid and its passphrase, never in any argv', async () => {
    t = await startTestPlane({ env: ENV });
    const dir = await mkdtemp(join(tmpdir(), 'simulcast-srt-'));
    dirs.push(dir);
    const stream = (await t.api<{ id: string; streamKey: string }>('POST', '/v1/streams', { name: 'srt relay', reconnectWindowSeconds: 0 })).body;
    const port = await freePort();
    const silentPort = await freePort();
    const received = join(dir, 'received.ts');
    const listener = srtListener(port, received);
    children.push(listener.child);

    // A passphrase in the (listed) URL is refused; nothing is stored.
    const leaky = await t.api<{ code: string; errors: Array<{ path: string; message: string }> }>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: `srt://127.0.0.1:${port}?passphrase=${PASSPHRASE}` });
    assert.equal(leaky.status, 400);
    assert.equal(leaky.body.code, 'validation');
    assert.match(leaky.body.errors[0]?.message ?? '', /passphrase/);
    const shortPass = await t.api('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: `srt://127.0.0.1:${port}`, streamKey: 'streamid=x&passphrase=short' });
    assert.equal(shortPass.status, 400);
    assert.equal((await t.api<{ items: unknown[] }>('GET', `/v1/streams/${stream.id}/simulcast-targets`)).body.items.length, 0);

    const created = await t.api<TargetView>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: `srt://127.0.0.1:${port}?latency=120`, streamKey: `streamid=${STREAM_ID}&passphrase=${PASSPHRASE}`, name: 'srt' });
    assert.equal(created.status, 201);
    assert.deepEqual([created.body.url, created.body.hasStreamKey, created.body.status], [`srt://127.0.0.1:${port}?latency=120`, true, 'idle']);
    const silent = (await t.api<TargetView>('POST', `/v1/streams/${stream.id}/simulcast-targets`, { url: `srt://127.0.0.1:${silentPort}`, streamKey: 'nobody-listens-here' })).body;

    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 320, height: 180, fps: 15, gopSeconds: 1, seconds: SECONDS, videoBitrate: '300k' });
    const target = async (id: string) => (await t!.api<TargetView>('GET', `/v1/streams/${stream.id}/simulcast-targets/${id}`)).body;
    await waitFor('the SRT target broadcasting', async () => (await target(created.body.id)).status === 'broadcasting' || undefined, { timeoutMs: 40_000 });
    await waitForMaster(`${t.base}/live/${stream.id}/master.m3u8`);
    // Every process this test runs (the plane's ffmpegs, SRT sender and hub, the encoder): none shows a secret.
    assert.deepEqual(await processesShowing(STREAM_ID), [], 'the streamid is in a process argument list or environment');
    assert.deepEqual(await processesShowing(PASSPHRASE, [listener.child.pid]), [], 'the passphrase is in a process argument list or environment');
    const errored = await waitFor('the silent SRT target errored', async () => {
      const view = await target(silent.id);
      return view.status === 'errored' ? view : undefined;
    }, { timeoutMs: 30_000 });
    assert.match(errored.lastError ?? '', /SRT/);

    await encoder.exited;
    await waitFor('the listener to end', () => listener.child.exitCode !== null || listener.child.signalCode !== null || undefined, { timeoutMs: 30_000 });
    const probed = await ffprobeStreams(received);
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], 'copied, not re-encoded');
    assert.ok(Number(probed.format.duration) >= 0.8 * SECONDS, `the SRT target received ${probed.format.duration} s of ${SECONDS} s`);

    await waitFor('both relays stopped', async () => {
      const all = (await t!.api<{ items: Event[] }>('GET', `/v1/events?streamId=${stream.id}&limit=100`)).body.items;
      return all.filter((e) => e.type === 'relay.stopped').length === 2 ? all : undefined;
    }, { timeoutMs: 20_000 });
    const all = (await t.api<{ items: Event[] }>('GET', `/v1/events?streamId=${stream.id}&limit=100`)).body.items;
    const relay = (type: string, id: string) => all.filter((e) => e.type === type && e.data.targetId === id);
    assert.equal(relay('relay.connected', created.body.id).length, 1);
    const failures = relay('relay.failed', silent.id);
    assert.ok(failures.length >= 2, `the silent target was retried (${failures.length} failed attempts)`);
    assert.deepEqual(failures.map((e) => e.data.attempt), failures.map((_, i) => i + 1));
    const everything = JSON.stringify([all, (await t.api('GET', `/v1/streams/${stream.id}/simulcast-targets`)).body]);
    assert.ok(!everything.includes(STREAM_ID) && !everything.includes(PASSPHRASE), 'no response or event carries the key');
  });
});
