/**
 * A wrong, deleted or disabled key must be refused before any transcoding starts: the encoder is
 * disconnected, no ffmpeg transcoder runs for it, `stream.rejected` is emitted without the key, and an
 * address that keeps guessing is rate-limited.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffmpegProcessesMatching, publish, stopAll } from '../support/ffmpeg';
import { waitForMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

interface Event {
  type: string;
  streamId: string | null;
  data: { reason?: string };
}

describe('publish refusal', () => {
  let t: TestPlane;
  before(async () => {
    t = await startTestPlane();
  });
  after(async () => {
    await stopAll();
    await t?.stop();
  });

  /** Publishes with `key` and resolves once the plane has closed the connection. */
  async function attempt(key: string): Promise<void> {
    const encoder = publish({ url: t.rtmpUrl(key), width: 640, height: 360, seconds: 30 });
    const watchdog = setTimeout(() => void encoder.kill(), 20_000);
    const exit = await encoder.exited;
    clearTimeout(watchdog);
    assert.notEqual(exit.signal, 'SIGKILL', 'the plane closed the connection (the encoder was not killed by the test)');
    assert.deepEqual(await ffmpegProcessesMatching(t.dataDir), [], 'no transcoder is running for a refused publish');
  }

  async function rejections(): Promise<Event[]> {
    const events = await t.api<{ items: Event[] }>('GET', '/v1/events?limit=100');
    return events.body.items.filter((e) => e.type === 'stream.rejected');
  }

  it('refuses an unknown key, a disabled stream and a deleted stream without starting a transcoder', async () => {
    const created = await t.api<{ id: string; streamKey: string }>('POST', '/v1/streams', { name: 'refusals' });
    const { id, streamKey } = created.body;

    await attempt('sk_' + 'A'.repeat(43));
    await attempt('not-a-key');

    assert.equal((await t.api('POST', `/v1/streams/${id}/disable`)).status, 200);
    await attempt(streamKey);

    assert.equal((await t.api('POST', `/v1/streams/${id}/enable`)).status, 200);
    const reset = await t.api<{ streamKey: string }>('POST', `/v1/streams/${id}/reset-key`);
    await attempt(streamKey);

    assert.equal((await t.api('DELETE', `/v1/streams/${id}`)).status, 204);
    await attempt(reset.body.streamKey);

    assert.equal(existsSync(join(t.dataDir, 'scratch', id)), false, 'no transcoder scratch space was ever created');
    const reasons = (await rejections()).map((e) => [e.data.reason, e.streamId]);
    assert.deepEqual(reasons.sort(), [
      ['disabled', id],
      ['malformed_key', null],
      ['unknown_key', null],
      ['unknown_key', null],
      ['unknown_key', null],
    ].sort());
    const all = JSON.stringify((await t.api('GET', '/v1/events?limit=100')).body);
    assert.ok(!all.includes(streamKey) && !all.includes(reset.body.streamKey), 'no event carries a key');
    assert.equal(t.plane.metrics.counter('publish_accepted'), 0);
  });

  it('closes connections that speak malformed RTMP and keeps serving', async () => {
    const garbage = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.alloc(4096, 0xff),
      Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 7), Buffer.alloc(3000, 0x41)]),
      Buffer.from([3]),
    ];
    await Promise.all(
      garbage.map(async (bytes) => {
        const socket = connect(t.plane.rtmpPort, '127.0.0.1');
        let closed = false;
        socket.on('error', () => undefined);
        socket.on('data', () => undefined);
        socket.on('close', () => (closed = true));
        socket.write(bytes);
        await waitFor('the plane to close the connection', () => closed || undefined, { timeoutMs: 20_000 }).finally(() => socket.destroy());
      }),
    );
    assert.equal((await fetch(`${t.base}/healthz`)).status, 200);
    const created = await t.api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: 'after garbage' });
    const encoder = publish({ url: t.rtmpUrl(created.body.streamKey), width: 640, height: 360, seconds: 10 });
    await waitForMaster(created.body.playback.hls);
    await encoder.kill();
    // Its reconnect slate would run for the whole window: end the stream so later refusals find no ffmpeg at all.
    assert.equal((await t.api('POST', `/v1/streams/${created.body.id}/end`)).status, 200);
    await waitFor('the stream\'s slate to stop', async () => (await ffmpegProcessesMatching(t.dataDir)).length === 0 || undefined, { timeoutMs: 20_000 });
  });

  it('rate-limits an address that keeps presenting bad keys', async () => {
    for (let i = 0; i < 10; i++) await attempt(`sk_${String(i).padStart(43, 'x')}`);
    await attempt('sk_' + 'y'.repeat(43));
    const limited = (await rejections()).filter((e) => e.data.reason === 'rate_limited');
    assert.ok(limited.length >= 1, 'the address is refused as rate-limited');
  });
});
