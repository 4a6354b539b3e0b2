import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { writeLlMediaPlaylist } from '../../../core/hls/ll-playlist';
import { createLlPlaylistHandler } from '../../../lambdas/ll-playlist/handler';

const KEY = 'live/st_abcdefghijklmnopqrst/360p/ll.m3u8';
const parts = (seq: number, n: number) => Array.from({ length: n }, (_, i) => ({ uri: `ll-0-${seq * 4 + i}.m4s`, duration: 0.25, independent: i === 0 }));
const playlist = (pending: number) =>
  writeLlMediaPlaylist({ targetDuration: 1, partTarget: 0.25, segments: [{ sequence: 0, uri: 'll-0.m4s', duration: 1, discontinuitySequence: 0, mapUri: 'll-init-0.mp4', parts: parts(0, 4) }], pending: { sequence: 1, discontinuitySequence: 0, mapUri: 'll-init-0.mp4', parts: parts(1, pending) } });

/** S3 as seen by the function: the playlist gains a part every 250 ms of (fake) time. */
function world() {
  let now = 0;
  const objects = { get: async (key: string) => (key === KEY ? Buffer.from(playlist(Math.min(4, 1 + Math.floor(now / 250)))) : key.endsWith('ll-0-9.m4s') && now >= 300 ? Buffer.from('part') : undefined) };
  const handler = createLlPlaylistHandler({ objects, sleep: async (ms) => void (now += ms), now: () => now });
  const call = (path: string, query = '') => handler({ rawPath: `/${path}`, rawQueryString: query } as APIGatewayProxyEventV2, {} as Context);
  return { call, now: () => now };
}

describe('ll-playlist function', () => {
  it('holds a blocking reload until the part is in the stored playlist', async () => {
    const w = world();
    const r = await w.call(KEY, '_HLS_msn=1&_HLS_part=2');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.body), /ll-0-6\.m4s/);
    assert.ok(w.now() >= 500);
    assert.equal(r.headers?.['content-type'], 'application/vnd.apple.mpegurl');
  });

  it('answers 503 after three target durations, 400 for bad or too-far directives, 404 outside LL keys', async () => {
    const w = world();
    const late = await w.call(KEY, '_HLS_msn=2&_HLS_part=1');
    assert.equal(late.statusCode, 503);
    assert.ok(w.now() >= 3000 && w.now() < 3200);
    assert.equal((await w.call(KEY, '_HLS_msn=9')).statusCode, 400);
    const bad = await w.call(KEY, '_HLS_part=1');
    assert.equal(bad.statusCode, 400);
    assert.equal(JSON.parse(String(bad.body)).code, 'invalid_delivery_directive');
    assert.equal((await w.call('live/st_abcdefghijklmnopqrst/master.m3u8')).statusCode, 404);
    assert.equal((await w.call('live/../x/ll.m3u8')).statusCode, 404);
  });

  it('waits a moment for a hinted part to be stored, then serves it as immutable bytes', async () => {
    const w = world();
    const r = await w.call('live/st_abcdefghijklmnopqrst/360p/ll-0-9.m4s');
    assert.equal(r.statusCode, 200);
    assert.equal(r.isBase64Encoded, true);
    assert.equal(Buffer.from(String(r.body), 'base64').toString(), 'part');
    assert.match(String(r.headers?.['cache-control']), /immutable/);
    assert.equal((await w.call('live/st_abcdefghijklmnopqrst/360p/ll-0-99.m4s')).statusCode, 404);
  });
});
