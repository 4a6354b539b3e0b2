/** Passthrough-only streams: one copied rendition that says exactly what it carries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPassthrough } from '../../../../core/transcode/passthrough-plan';

const h264 = { codec: 'h264', profile: 'Main', level: 31, width: 1280, height: 720, fps: 30, bitrateKbps: 2500, keyframeIntervalSeconds: 2 };
const aac = { codec: 'aac', profile: 'LC', sampleRate: 48_000, channels: 2, bitrateKbps: 128 };

describe('planPassthrough', () => {
  it('copies a 720p30 H.264 source as one rendition with its own CODECS, RESOLUTION and BANDWIDTH, audio copied', () => {
    const plan = planPassthrough({ video: h264, audio: aac }, { segmentSeconds: 2 });
    assert.equal(plan.renditions.length, 1);
    const [r] = plan.renditions;
    assert.equal(r!.passthrough, true);
    assert.equal(r!.codecs, 'avc1.4d401f,mp4a.40.2');
    assert.deepEqual([r!.width, r!.height], [1280, 720]);
    // (2500 × 1.25 + 128) kbps × 1.1 container overhead.
    assert.equal(r!.bandwidth, Math.round((2500 * 1.25 + 128) * 1000 * 1.1));
    assert.equal(r!.averageBandwidth, Math.round((2500 + 128) * 1000 * 1.1));
    assert.equal(plan.topRung, 'passthrough');
    assert.equal(plan.audio?.passthrough, true);
  });

  it('passes through what the ladder would encode (above the top rung, long GOPs) and cuts segments at the source keyframes', () => {
    const plan = planPassthrough({ video: { ...h264, width: 3840, height: 2160, level: 51, profile: 'High', keyframeIntervalSeconds: 4 } }, { segmentSeconds: 2, rungs: [720] });
    assert.equal(plan.renditions.length, 1);
    assert.equal(plan.renditions[0]!.codecs, 'avc1.640033');
    assert.equal(plan.segmentSeconds, 4);
    assert.match(plan.reason, /segments 4 s/);
  });

  it('re-encodes only the audio when it is not AAC', () => {
    const plan = planPassthrough({ video: h264, audio: { codec: 'mp3', sampleRate: 44_100, channels: 2, bitrateKbps: 128 } });
    assert.equal(plan.renditions[0]!.passthrough, true);
    assert.equal(plan.audio?.passthrough, false);
    assert.match(plan.reason, /audio encoded to AAC/);
  });

  it('says so when HLS cannot carry the source as is, and encodes one rung of its size', () => {
    const plan = planPassthrough({ video: { ...h264, codec: 'hevc' } });
    assert.equal(plan.renditions.length, 1);
    assert.equal(plan.renditions[0]!.passthrough, false);
    assert.equal(plan.renditions[0]!.height, 720);
    assert.match(plan.reason, /passthrough impossible/);
  });
});
