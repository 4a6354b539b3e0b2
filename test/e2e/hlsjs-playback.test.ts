/// <reference lib="dom" />
/**
 * A viewer's browser: hls.js in Debian's Chromium, on a page served from another origin (so CORS is
 * exercised as on a real site), plays the live master playlist: it sees the whole ladder, decodes real
 * frames, advances in time, and switches renditions without a fatal error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publish } from '../support/ffmpeg';
import { usePlayerHarness } from '../support/player-harness';
import { waitForMaster } from '../support/hls';

const PAGE = `<!doctype html><meta charset="utf-8"><title>player</title>
<video id="v" muted playsinline width="640" height="360"></video>
<script src="/hls.min.js"></script>
<script>
  window.result = { errors: [], levels: [], switched: [] };
  const video = document.getElementById('v');
  const hls = new Hls();
  window.hls = hls;
  hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => { window.result.levels = data.levels.map((l) => l.height); });
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => { window.result.switched.push(data.level); });
  hls.on(Hls.Events.ERROR, (_e, d) => { window.result.errors.push({ type: d.type, details: d.details, fatal: d.fatal }); });
  window.start = (src) => { hls.loadSource(src); hls.attachMedia(video); video.play().catch(() => {}); };
  window.frameHasColour = () => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 36;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0, 64, 36);
    const px = ctx.getImageData(0, 0, 64, 36).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4) if (Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 40) coloured++;
    return coloured;
  };
</script>`;

describe('hls.js playback in Chromium', () => {
  const h = usePlayerHarness(PAGE);

  it('plays the live ladder, decodes real frames and switches renditions', async () => {
    const created = await h.plane.api<{ streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: 'browser', reconnectWindowSeconds: 0 });
    const encoder = publish({ url: h.plane.rtmpUrl(created.body.streamKey), width: 1280, height: 720, seconds: 40 });
    await waitForMaster(created.body.playback.hls);

    const page = await h.browser.newPage();
    await page.goto(h.site.url);
    await page.evaluate((src) => (window as unknown as { start(s: string): void }).start(src), created.body.playback.hls);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 3, undefined, { timeout: 60_000 });

    const levels = await page.evaluate(() => (window as unknown as { result: { levels: number[] } }).result.levels);
    assert.deepEqual([...levels].sort((a, b) => b - a), [720, 480, 360]);
    assert.ok((await page.evaluate(() => (window as unknown as { frameHasColour(): number }).frameHasColour())) > 100, 'a decoded frame shows the test pattern');

    // Force the lowest rendition: playback must go on across the switch.
    const lowest = levels.indexOf(Math.min(...levels));
    const before = await page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
    await page.evaluate((level) => ((window as unknown as { hls: { currentLevel: number } }).hls.currentLevel = level), lowest);
    await page.waitForFunction(
      ([level, from]) => {
        const w = window as unknown as { result: { switched: number[] } };
        return w.result.switched.includes(level as number) && (document.getElementById('v') as HTMLVideoElement).currentTime > (from as number) + 2;
      },
      [lowest, before],
      { timeout: 60_000 },
    );
    const errors = await page.evaluate(() => (window as unknown as { result: { errors: Array<{ fatal: boolean; details: string }> } }).result.errors);
    assert.deepEqual(errors.filter((e) => e.fatal), [], JSON.stringify(errors));
    await encoder.kill();
  });
});
