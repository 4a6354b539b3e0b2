/**
 * Start-up and normal-mode playlists as a viewer sees them, with a real ffmpeg publishing RTMP into a real
 * local plane: a source with 2 s keyframes starts from what it declares (metadata, sequence headers) and
 * its first keyframe, through every stage in order; a source whose keyframes turn out too far apart for
 * the provisional passthrough rung is re-encoded under the master it was planned with, which is written
 * once and tells the truth; live playlists stay spec-conformant and cacheable by a CDN. Ordering and
 * content only: no timing is asserted (bench:latency measures it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ffprobeStreams, publish, stopAll } from '../support/ffmpeg';
import { fetchText, parseMaster, waitForMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

interface CreatedStream {
  id: string;
  streamKey: string;
  playback: { hls: string };
}

describe('fast start and normal-mode live playlists', () => {
  let t: TestPlane;
  before(async () => {
    t = await startTestPlane();
  });
  after(async () => {
    await stopAll();
    await t?.stop();
  });

  async function createStream(name: string): Promise<CreatedStream> {
    const created = await t.api<CreatedStream>('POST', '/v1/streams', { name, reconnectWindowSeconds: 0, recording: false });
    assert.equal(created.status, 201);
    return created.body;
  }

  it('starts a 2 s-keyframe source from its declaration, stage after stage, and serves live playlists a CDN may cache', async () => {
    const stream = await createStream('fast start');
    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 640, height: 360, seconds: 12 });
    const master = await waitForMaster(stream.playback.hls);
    const stages = await waitFor('the session start-up to reach the master', async () => {
      const s = t.plane.sessions.session(stream.id)?.startup;
      return s?.masterMs !== undefined ? s : undefined;
    });
    assert.equal(stages.fastStart, 'provisional');
    const order = [stages.probedMs, stages.transcoderFedMs, stages.firstSegmentMs, stages.firstUploadMs, stages.masterMs];
    assert.ok(order.every((v) => typeof v === 'number'), JSON.stringify(stages));
    assert.deepEqual(order, [...(order as number[])].sort((a, b) => a - b), `stages in order: ${JSON.stringify(stages)}`);

    const live = await t.api<{ transcode?: { topRung: string; reason: string } }>('GET', `/v1/streams/${stream.id}`);
    assert.equal(live.body.transcode?.topRung, 'passthrough', live.body.transcode?.reason);
    const variants = parseMaster(master);
    assert.deepEqual(variants.map((v) => v.resolution?.height), [360]);

    const media = await fetchText(new URL(variants[0]!.uri, stream.playback.hls).toString());
    assert.equal(media.status, 200);
    assert.match(media.text, /#EXT-X-TARGETDURATION:2\n/);
    const holdBack = /HOLD-BACK=([\d.]+)/.exec(media.text.replace(/PART-HOLD-BACK=[\d.]+/g, ''));
    assert.ok(!holdBack || Number(holdBack[1]) >= 3 * 2, 'a HOLD-BACK, if any, is at least three target durations (RFC 8216bis)');
    assert.equal(/CAN-BLOCK-RELOAD|EXT-X-PART/.test(media.text), false, 'normal mode never blocks');
    assert.equal(media.headers.get('cache-control'), 'public, max-age=0, s-maxage=1');
    await encoder.kill();
  });

  it('re-encodes a provisional passthrough rung whose keyframes are 4 s apart, under the master planned first', async () => {
    const stream = await createStream('fast start, long gop');
    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 640, height: 360, gopSeconds: 4, seconds: 14 });
    const master = await waitForMaster(stream.playback.hls);
    const stages = await waitFor('the session start-up to reach the master', async () => {
      const s = t.plane.sessions.session(stream.id)?.startup;
      return s?.masterMs !== undefined ? s : undefined;
    });
    assert.equal(stages.fastStart, 'refined');
    const live = await t.api<{ transcode?: { topRung: string; reason: string } }>('GET', `/v1/streams/${stream.id}`);
    assert.equal(live.body.transcode?.topRung, 'encode');
    assert.match(live.body.transcode?.reason ?? '', /keyframe interval/);

    // The master advertises the source's own profile (ultrafast x264: Constrained Baseline), and the
    // encoded stand-in really is that profile at that size.
    const [top] = parseMaster(master);
    assert.match(top?.codecs ?? '', /^avc1\.42/);
    const mediaUrl = new URL(top!.uri, stream.playback.hls).toString();
    const playlist = await waitFor('three segments', async () => {
      const p = await fetchText(mediaUrl);
      return (p.text.match(/#EXTINF/g) ?? []).length >= 3 ? p.text : undefined;
    });
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(playlist)?.[1]);
    assert.equal(target, 2);
    for (const m of playlist.matchAll(/#EXTINF:([\d.]+),/g)) assert.ok(Number(m[1]) <= target + 0.5, `segment of ${m[1]} s within the target`);
    assert.equal(playlist.includes('#EXT-X-DISCONTINUITY\n'), false, 'the abandoned provisional run left nothing in the playlist');
    const probed = await ffprobeStreams(mediaUrl);
    const videoStream = probed.streams.find((s) => s.codec_type === 'video') as { width?: number; height?: number; profile?: string } | undefined;
    assert.deepEqual([videoStream?.width, videoStream?.height], [top!.resolution?.width, top!.resolution?.height]);
    assert.match(videoStream?.profile ?? '', /Baseline/);
    assert.equal(await fetchText(stream.playback.hls).then((m) => m.text), master, 'the master never changed');
    await encoder.kill();
  });
});
