/// <reference lib="dom" />
/**
 * A `latencyMode: low` stream end to end, against a real plane, ffmpeg publisher and hls.js in Chromium:
 * its playlists are valid LL-HLS, a blocking reload returns once the asked-for part exists, a
 * preload-hinted part is delivered while it is still being written, bad directives get a 400
 * problem+json, hls.js (lowLatencyMode is its default) plays it, and the recording finalizes into the
 * usual VOD layout of segments. A normal stream of a 30 fps source advertises FRAME-RATE=30.000.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastPartOf, parseLlMediaPlaylist } from '../../core/hls/ll-playlist';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { usePlayerHarness } from '../support/player-harness';
import { publish } from '../support/ffmpeg';
import { fetchText, parseMaster, waitForMaster } from '../support/hls';
import { waitFor } from '../support/wait';

const PAGE = `<!doctype html><meta charset="utf-8"><title>player</title>
<video id="v" muted playsinline width="320" height="180"></video>
<script src="/hls.min.js"></script>
<script>
  window.result = { errors: [], lowLatency: undefined };
  const video = document.getElementById('v');
  const hls = new Hls();
  window.hls = hls;
  hls.on(Hls.Events.LEVEL_LOADED, (_e, d) => { window.result.lowLatency = Boolean(d.details.partList && d.details.partList.length); });
  hls.on(Hls.Events.ERROR, (_e, d) => { window.result.errors.push({ details: d.details, fatal: d.fatal }); });
  window.start = (src) => { hls.loadSource(src); hls.attachMedia(video); video.play().catch(() => {}); };
</script>`;

interface StreamBody {
  id: string;
  streamKey: string;
  latencyMode: string;
  playback: { hls: string };
}

describe('low-latency (LL-HLS) streams', () => {
  const h = usePlayerHarness(PAGE);

  it('serves valid LL-HLS with blocking reloads and streamed hinted parts, plays in hls.js, and records segments', async () => {
    const created = await h.plane.api<StreamBody>('POST', '/v1/streams', { name: 'low', latencyMode: 'low', reconnectWindowSeconds: 0 });
    assert.equal(created.status, 201);
    assert.equal(created.body.latencyMode, 'low');
    const encoder = publish({ url: h.plane.rtmpUrl(created.body.streamKey), width: 854, height: 480, seconds: 25 });

    const masterText = await waitForMaster(created.body.playback.hls, 60_000);
    const variants = parseMaster(masterText);
    assert.ok(variants.length >= 1 && variants.every((v) => v.uri.endsWith('/ll.m3u8')), masterText);
    assert.match(masterText, /FRAME-RATE=30\.000/);
    const mediaUrl = new URL(variants[0]!.uri, created.body.playback.hls).toString();

    // Valid LL-HLS: server control, part target, parts within it, independent parts at segment starts, a map, a hint, reports.
    const first = await waitFor('a low-latency playlist with a complete segment', async () => {
      const r = await fetchText(mediaUrl);
      if (r.status !== 200) return undefined;
      const p = parseLlMediaPlaylist(r.text);
      return p.segments.length >= 1 ? { text: r.text, playlist: p } : undefined;
    }, { timeoutMs: 30_000 });
    const p = first.playlist;
    assert.equal(p.canBlockReload, true);
    assert.ok(p.partTarget !== undefined && p.partTarget >= 0.2 && p.partTarget <= 0.334, `PART-TARGET ${p.partTarget}`);
    assert.ok(p.partHoldBack !== undefined && p.partHoldBack >= 2 * p.partTarget);
    assert.ok((p.version ?? 0) >= 6);
    const allParts = [...p.segments.flatMap((s) => s.parts), ...p.pendingParts];
    assert.ok(allParts.length > 0);
    for (const part of allParts) assert.ok(part.duration <= p.partTarget, `part ${part.uri} lasts ${part.duration}`);
    for (const s of p.segments) {
      assert.ok(s.mapUri, 'every segment has an EXT-X-MAP');
      if (s.parts.length > 0) assert.equal(s.parts[0]!.independent, true, `first part of ${s.sequence} is INDEPENDENT=YES`);
      assert.ok(s.duration <= p.targetDuration + 0.5);
    }
    assert.equal(p.preloadHint?.type, 'PART');
    assert.equal(p.renditionReports.length, variants.length - 1);
    const init = await fetch(new URL(p.segments[0]!.mapUri!, mediaUrl));
    assert.equal(init.status, 200);
    assert.equal(Buffer.from(await init.arrayBuffer()).toString('latin1', 4, 8), 'ftyp');

    // Blocking reload: ask for the part after the newest one; the answer comes when it is listed.
    const now = parseLlMediaPlaylist((await fetchText(mediaUrl)).text);
    const last = lastPartOf(now)!;
    const wanted = { msn: last.msn, part: last.part + 1 };
    const blocked = await fetchText(`${mediaUrl}?_HLS_msn=${wanted.msn}&_HLS_part=${wanted.part}`);
    assert.equal(blocked.status, 200);
    const after = parseLlMediaPlaylist(blocked.text);
    const newest = lastPartOf(after)!;
    assert.ok(newest.msn > wanted.msn || (newest.msn === wanted.msn && newest.part >= wanted.part), `asked for ${JSON.stringify(wanted)}, got up to ${JSON.stringify(newest)}`);

    // A preload-hinted part: its first bytes arrive while the playlist still only hints it. The part after
    // the current hint is asked for (a player slightly ahead), so the request is surely in before it opens.
    const hint = parseLlMediaPlaylist((await fetchText(mediaUrl)).text).preloadHint!;
    const [, run, n] = /^ll-(\d+)-(\d+)\.m4s$/.exec(hint.uri)!;
    const hinted = { uri: `ll-${run}-${Number(n) + 1}.m4s` };
    const response = await fetch(new URL(hinted.uri, mediaUrl));
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    const firstChunk = await reader.read();
    assert.ok(!firstChunk.done && firstChunk.value.length > 0);
    chunks.push(firstChunk.value);
    const whileWriting = parseLlMediaPlaylist((await fetchText(mediaUrl)).text);
    const listed = [...whileWriting.segments.flatMap((s) => s.parts), ...whileWriting.pendingParts].some((x) => x.uri === hinted.uri);
    assert.equal(listed, false, 'the first bytes of the hinted part came before the part was complete');
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    const streamed = Buffer.concat(chunks);
    assert.equal(streamed.toString('latin1', 4, 8), 'moof');
    const stored = await waitFor('the hinted part stored', async () => {
      const s = await fetch(new URL(hinted.uri, mediaUrl));
      return s.status === 200 ? Buffer.from(await s.arrayBuffer()) : undefined;
    });
    assert.ok(streamed.equals(stored), 'the streamed part is byte for byte the stored one');

    // Bad directives: 400 problem+json with a stable code, at once.
    for (const query of [`_HLS_msn=${newest.msn + 50}`, '_HLS_msn=1&_HLS_part=x', '_HLS_part=1']) {
      const bad = await fetch(`${mediaUrl}?${query}`);
      assert.equal(bad.status, 400, query);
      assert.equal(bad.headers.get('content-type'), 'application/problem+json');
      assert.equal(((await bad.json()) as { code: string }).code, 'invalid_delivery_directive');
    }

    // hls.js at its defaults (lowLatencyMode: true) plays it as LL-HLS.
    const page = await h.browser.newPage();
    await page.goto(h.site.url);
    await page.evaluate((src) => (window as unknown as { start(s: string): void }).start(src), created.body.playback.hls);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 3, undefined, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { result: { errors: Array<{ fatal: boolean }>; lowLatency: boolean } }).result);
    assert.equal(result.lowLatency, true, 'hls.js saw the parts');
    assert.deepEqual(result.errors.filter((e) => e.fatal), [], JSON.stringify(result.errors));
    await page.close();

    // The recording: the usual VOD layout (MPEG-TS segments), not parts. Enough media first: on a quiet
    // machine the player is playing after only two or three segments.
    await waitFor('five complete low-latency segments', async () => parseLlMediaPlaylist((await fetchText(mediaUrl)).text).segments.length >= 5 || undefined, { timeoutMs: 30_000 });
    await encoder.kill();
    const recording = await waitFor('a ready recording', async () => {
      const items = (await h.plane.api<{ items: Array<{ status: string; playback: { hls: string } }> }>('GET', `/v1/streams/${created.body.id}/recordings`)).body.items;
      return items.length === 1 && items[0]!.status === 'ready' ? items[0] : undefined;
    }, { timeoutMs: 60_000 });
    const vodMaster = await fetchText(recording!.playback.hls);
    const vodVariant = parseMaster(vodMaster.text)[0]!;
    const vodMedia = parseMediaPlaylist((await fetchText(new URL(vodVariant.uri, recording!.playback.hls).toString())).text);
    assert.equal(vodMedia.endList, true);
    assert.ok(vodMedia.segments.length >= 5 && vodMedia.segments.every((s) => s.uri.endsWith('.ts')), JSON.stringify(vodMedia.segments.map((s) => s.uri)));
    // The live LL playlist ends too.
    const ended = parseLlMediaPlaylist((await fetchText(mediaUrl)).text);
    assert.equal(ended.endList, true);
  });

  it('advertises the nominal FRAME-RATE (30.000) of a 30 fps source in normal mode', async () => {
    const created = await h.plane.api<StreamBody>('POST', '/v1/streams', { name: 'normal', reconnectWindowSeconds: 0, recording: false });
    assert.equal(created.body.latencyMode, 'normal');
    const encoder = publish({ url: h.plane.rtmpUrl(created.body.streamKey), width: 320, height: 180, seconds: 10 });
    const master = await waitForMaster(created.body.playback.hls, 60_000);
    assert.match(master, /FRAME-RATE=30\.000/);
    assert.doesNotMatch(master, /FRAME-RATE=30\.3/);
    assert.ok(parseMaster(master).every((v) => v.uri.endsWith('/index.m3u8')));
    await encoder.kill();
  });
});
