/**
 * Publishing real RTMP (ffmpeg, lavfi pattern + tone) into a real local plane and checking what viewers
 * get: a ladder that fits the source, every rendition decodable at its advertised resolution, audio-only
 * HLS for an audio-only source, and the session's events in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeFully, ffprobeStreams, publish, stopAll } from '../support/ffmpeg';
import { parseMaster, waitForMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

interface CreatedStream {
  id: string;
  streamKey: string;
  status: string;
  ingest: { server: string; url: string };
  playback: { hls: string };
}

describe('publishing to the local plane', () => {
  let t: TestPlane;
  before(async () => {
    t = await startTestPlane();
  });
  after(async () => {
    await stopAll();
    await t?.stop();
  });

  async function createStream(name: string, extra: Record<string, unknown> = {}): Promise<CreatedStream> {
    const created = await t.api<CreatedStream>('POST', '/v1/streams', { name, reconnectWindowSeconds: 0, ...extra });
    assert.equal(created.status, 201);
    return created.body;
  }



  it('turns a 1080p30 source into four segment-aligned video rungs that decode at their advertised sizes', async () => {
    const stream = await createStream('ladder 1080p');
    assert.equal(stream.ingest.url, `${stream.ingest.server}/${stream.streamKey}`);
    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 1920, height: 1080, seconds: 14 });
    const master = await waitForMaster(stream.playback.hls);
    const variants = parseMaster(master);
    assert.deepEqual(variants.map((v) => v.resolution?.height), [1080, 720, 480, 360]);
    for (const v of variants) assert.match(v.codecs ?? '', /avc1\.[0-9a-f]{6},mp4a\.40\.2/);

    const live = await t.api<{ status: string; transcode?: { topRung: string; reason: string } }>('GET', `/v1/streams/${stream.id}`);
    assert.equal(live.body.status, 'live');
    assert.equal(live.body.transcode?.topRung, 'passthrough', live.body.transcode?.reason);
    assert.equal('streamKey' in live.body, false);

    await encoder.exited;
    const base = new URL('.', stream.playback.hls);
    for (const v of variants) {
      const url = new URL(v.uri, base).toString();
      const probed = await waitFor('segments of ' + v.uri, async () => {
        const p = await ffprobeStreams(url);
        return p.streams.some((s) => s.codec_type === 'video') ? p : undefined;
      });
      const videoStream = probed.streams.find((s) => s.codec_type === 'video');
      assert.equal(videoStream?.width, v.resolution?.width, v.uri);
      assert.equal(videoStream?.height, v.resolution?.height, v.uri);
      assert.ok(probed.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac'), `${v.uri} has AAC audio`);
      const decoded = await decodeFully(url);
      assert.ok(decoded.ok, decoded.stderr);
    }

    const ended = await waitFor('stream.ended', async () => {
      const events = await t.api<{ items: Array<{ type: string; sequence: number }> }>('GET', `/v1/events?streamId=${stream.id}`);
      return events.body.items.some((e) => e.type === 'stream.ended') ? events.body.items : undefined;
    });
    const types = ended.map((e) => e.type).filter((type) => ['stream.connected', 'stream.live', 'stream.ended'].includes(type));
    assert.deepEqual(types, ['stream.connected', 'stream.live', 'stream.ended']);
    const sequences = ended.map((e) => e.sequence);
    assert.deepEqual(sequences, [...sequences].sort((a, b) => a - b));
    assert.equal(new Set(sequences).size, sequences.length);
    assert.ok(!JSON.stringify(ended).includes(stream.streamKey), 'no event carries the stream key');
  });

  it('never plans a rung above a 480p source', async () => {
    const stream = await createStream('ladder 480p');
    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 854, height: 480, seconds: 8 });
    const variants = parseMaster(await waitForMaster(stream.playback.hls));
    await encoder.kill();
    const heights = variants.map((v) => v.resolution?.height ?? 0);
    assert.equal(Math.max(...heights), 480);
    assert.ok(heights.includes(360));
  });

  it('encodes the top rung when keyframes are too far apart for passthrough, and says why', async () => {
    const stream = await createStream('long gop');
    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 1280, height: 720, gopSeconds: 4, seconds: 10 });
    const variants = parseMaster(await waitForMaster(stream.playback.hls));
    const live = await t.api<{ transcode?: { topRung: string; reason: string } }>('GET', `/v1/streams/${stream.id}`);
    await encoder.kill();
    assert.equal(variants[0]?.resolution?.height, 720);
    assert.equal(live.body.transcode?.topRung, 'encode');
    assert.match(live.body.transcode?.reason ?? '', /keyframe interval/);
  });

  it('serves audio-only HLS for an audio-only source', async () => {
    const stream = await createStream('internet radio');
    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), video: false, seconds: 8 });
    const variants = parseMaster(await waitForMaster(stream.playback.hls));
    await encoder.kill();
    assert.equal(variants.length, 1);
    assert.equal(variants[0]!.resolution, undefined);
    assert.equal(variants[0]!.codecs, 'mp4a.40.2');
    const probed = await ffprobeStreams(new URL(variants[0]!.uri, new URL('.', stream.playback.hls)).toString());
    assert.deepEqual(probed.streams.map((s) => s.codec_type), ['audio']);
  });
});
