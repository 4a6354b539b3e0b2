/// <reference lib="dom" />
/**
 * The DVR window, end to end: a recorded stream with `dvrWindowSeconds` gets `playback.dvr`, a playlist
 * of the session so far that names the recording's own segments (no second copy); hls.js in Chromium
 * plays it, seeks 60 s back into a 90 s window, plays from there and jumps back to the live edge. The
 * DVR playlist follows the stream's playback policy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usePlayerHarness } from '../support/player-harness';
import { publish } from '../support/ffmpeg';
import { waitFor } from '../support/wait';

const PAGE = `<!doctype html><meta charset="utf-8"><title>dvr</title>
<video id="v" muted playsinline width="320" height="180"></video>
<script src="/hls.min.js"></script>
<script>
  window.result = { errors: [], fragments: [] };
  const video = document.getElementById('v');
  window.start = (src) => {
    const hls = new Hls();
    window.hls = hls;
    hls.on(Hls.Events.ERROR, (_e, d) => { window.result.errors.push({ details: d.details, fatal: d.fatal }); });
    hls.on(Hls.Events.FRAG_LOADED, (_e, d) => { window.result.fragments.push(d.frag.sn); });
    hls.loadSource(src); hls.attachMedia(video); video.play().catch(() => {});
  };
</script>`;

describe('DVR window', () => {
  const h = usePlayerHarness(PAGE, { env: { STREAMPLANE_SEGMENT_SECONDS: '1' } });

  it('refuses a DVR window without recording, with a clear error', async () => {
    const refused = await h.plane.api<{ code: string }>('POST', '/v1/streams', { name: 'no rec', recording: false, dvrWindowSeconds: 60 });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'validation');
    const tooLong = await h.plane.api<{ code: string }>('POST', '/v1/streams', { name: 'too long', dvrWindowSeconds: 4 * 3600 + 1 });
    assert.equal(tooLong.status, 400);
    const created = await h.plane.api<{ id: string }>('POST', '/v1/streams', { name: 'rec', dvrWindowSeconds: 60 });
    const patched = await h.plane.api<{ code: string }>('PATCH', `/v1/streams/${created.body.id}`, { recording: false });
    assert.equal(patched.status, 400, 'turning recording off under a DVR window is refused');
  });

  it('seeks back 60 s in the DVR playlist of a live stream and returns to the live edge', async () => {
    const created = await h.plane.api<{ id: string; streamKey: string; dvrWindowSeconds: number; playback: { hls: string; dvr?: string } }>('POST', '/v1/streams', {
      name: 'dvr',
      dvrWindowSeconds: 90,
      reconnectWindowSeconds: 0,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.dvrWindowSeconds, 90);
    const dvrUrl = created.body.playback.dvr;
    assert.ok(dvrUrl?.endsWith(`/live/${created.body.id}/dvr.m3u8`), dvrUrl);
    const encoder = publish({ url: h.plane.rtmpUrl(created.body.streamKey), width: 320, height: 180, gopSeconds: 1, seconds: 150 });

    // Enough history to seek 60 s back: the DVR playlist holds 66+ one-second segments.
    const mediaUrl = await waitFor('a DVR window of 66 s', async () => {
      const master = await fetch(dvrUrl as string);
      if (master.status !== 200) return undefined;
      const variant = (await master.text()).split('\n').find((l) => l && !l.startsWith('#'));
      const url = new URL(variant as string, dvrUrl).toString();
      const media = await (await fetch(url)).text();
      const segments = media.split('\n').filter((l) => l.startsWith('#EXTINF')).length;
      return segments >= 66 ? url : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1000 });
    const media = await (await fetch(mediaUrl)).text();
    const live = await (await fetch(new URL(mediaUrl.replace('/dvr.m3u8', '/index.m3u8')))).text();
    assert.ok(media.split('\n').filter((l) => l.startsWith('#EXTINF')).length > live.split('\n').filter((l) => l.startsWith('#EXTINF')).length, 'DVR holds more than the live window');
    assert.match(media, /\.\.\/\.\.\/\.\.\/recordings\/rec_[a-z2-7]{20}\//, 'it names the recording\'s segments');
    assert.doesNotMatch(media, /#EXT-X-ENDLIST/);

    const page = await h.browser.newPage();
    await page.goto(h.site.url);
    await page.evaluate((src) => (window as unknown as { start(s: string): void }).start(src), dvrUrl as string);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 0 && !(document.getElementById('v') as HTMLVideoElement).paused, undefined, { timeout: 60_000 });
    const atLive = await page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
    const seekable = await page.evaluate(() => {
      const v = document.getElementById('v') as HTMLVideoElement;
      return v.seekable.length ? v.seekable.end(0) - v.seekable.start(0) : 0;
    });
    assert.ok(seekable >= 60, `the player can seek over the DVR window (${seekable.toFixed(1)} s)`);

    // Back 60 s: playback goes on from there, behind the live edge.
    const target = atLive - 60;
    await page.evaluate((to) => void ((document.getElementById('v') as HTMLVideoElement).currentTime = to), target);
    await page.waitForFunction((to) => {
      const v = document.getElementById('v') as HTMLVideoElement;
      return v.currentTime > to + 2 && v.currentTime < to + 10 && !v.seeking;
    }, target, { timeout: 30_000 });
    const latencyBehind = await page.evaluate(() => {
      const w = window as unknown as { hls: { liveSyncPosition: number | null } };
      return (w.hls.liveSyncPosition ?? 0) - (document.getElementById('v') as HTMLVideoElement).currentTime;
    });
    assert.ok(latencyBehind > 50, `playing ${latencyBehind.toFixed(1)} s behind live after the seek`);

    // And back to live.
    await page.evaluate(() => {
      const w = window as unknown as { hls: { liveSyncPosition: number | null } };
      (document.getElementById('v') as HTMLVideoElement).currentTime = w.hls.liveSyncPosition ?? 0;
    });
    await page.waitForFunction(() => {
      const w = window as unknown as { hls: { liveSyncPosition: number | null } };
      const v = document.getElementById('v') as HTMLVideoElement;
      return !v.seeking && Math.abs((w.hls.liveSyncPosition ?? 0) - v.currentTime) < 6 && !v.paused;
    }, undefined, { timeout: 30_000 });
    const errors = await page.evaluate(() => (window as unknown as { result: { errors: Array<{ fatal: boolean }> } }).result.errors);
    assert.deepEqual(errors.filter((e) => e.fatal), [], JSON.stringify(errors));
    await page.close();

    // The DVR playlist follows the stream's playback policy.
    assert.equal((await h.plane.api('PATCH', `/v1/streams/${created.body.id}`, { playbackPolicy: 'signed' })).status, 200);
    assert.equal((await fetch(dvrUrl as string)).status, 403);
    assert.equal((await fetch(mediaUrl)).status, 403);
    await encoder.kill();
  });
});
