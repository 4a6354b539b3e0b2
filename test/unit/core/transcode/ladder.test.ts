/**
 * Ladder planning: which rungs a source gets, at what size and rate, whether its video is passed through,
 * and the codecs strings players are told.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bitrateFor, levelFor, planLadder, toTranscodeDecision, type SourceInfo } from '../../../../core/transcode/ladder';

const AAC: NonNullable<SourceInfo['audio']> = { codec: 'aac', profile: 'LC', sampleRate: 48_000, channels: 2, bitrateKbps: 128 };

function h264(overrides: Partial<NonNullable<SourceInfo['video']>> = {}): NonNullable<SourceInfo['video']> {
  return { codec: 'h264', profile: 'High', level: 40, width: 1920, height: 1080, fps: 30, bitrateKbps: 4500, keyframeIntervalSeconds: 2, ...overrides };
}

const sizes = (plan: ReturnType<typeof planLadder>) => plan.renditions.map((r) => `${r.name} ${r.width}x${r.height}`);

describe('planLadder', () => {
  it('passes a compatible 1080p30 H.264 source through and encodes three lower rungs', () => {
    const plan = planLadder({ video: h264(), audio: AAC });

    assert.equal(plan.topRung, 'passthrough');
    assert.equal(plan.reason, 'passthrough: h264 1920x1080, keyframes every 2.0 s, 4500 kbps');
    assert.deepEqual(sizes(plan), ['1080p 1920x1080', '720p 1280x720', '480p 854x480', '360p 640x360']);
    assert.deepEqual(plan.renditions.map((r) => r.passthrough), [true, false, false, false]);
    assert.deepEqual(plan.renditions.map((r) => r.codecs), [
      'avc1.640028,mp4a.40.2',
      'avc1.64001f,mp4a.40.2',
      'avc1.64001f,mp4a.40.2',
      'avc1.64001e,mp4a.40.2',
    ]);
    assert.deepEqual(plan.renditions.map((r) => r.gopFrames), [60, 60, 60, 60]);
    assert.equal(plan.segmentSeconds, 2);
    assert.deepEqual(plan.audio, { bitrateKbps: 128, sampleRate: 48_000, channels: 2, passthrough: true });
  });

  it('gives encoded rungs decreasing bitrates with a VBV cap and a bandwidth that covers video, audio and overhead', () => {
    const plan = planLadder({ video: h264(), audio: AAC });
    const [, r720, r480, r360] = plan.renditions;

    assert.deepEqual([r720!.videoBitrateKbps, r480!.videoBitrateKbps, r360!.videoBitrateKbps], [2800, 1200, 700]);
    assert.equal(r720!.maxrateKbps, 2800);
    assert.equal(r720!.bufsizeKbps, 4200);
    assert.equal(r720!.bandwidth, Math.round((2800 + 128) * 1000 * 1.1));
    for (const r of plan.renditions) assert.ok(r.averageBandwidth <= r.bandwidth, r.name);
  });

  it('encodes the top rung when keyframes are further apart than a segment', () => {
    const plan = planLadder({ video: h264({ keyframeIntervalSeconds: 4 }), audio: AAC });

    assert.equal(plan.topRung, 'encode');
    assert.equal(plan.reason, 'encode: keyframe interval 4.0 s exceeds segment duration 2 s');
    assert.deepEqual(sizes(plan), ['1080p 1920x1080', '720p 1280x720', '480p 854x480', '360p 640x360']);
    assert.ok(plan.renditions.every((r) => !r.passthrough));
    assert.equal(plan.renditions[0]!.maxrateKbps, 5000);
  });

  it('tolerates the 2.002 s GOP of a 60-frame keyframe interval at 29.97 fps', () => {
    const plan = planLadder({ video: h264({ fps: 29.97, keyframeIntervalSeconds: 2.002 }), audio: AAC });
    assert.equal(plan.topRung, 'passthrough');
    assert.equal(plan.renditions[0]!.gopFrames, 60);
  });

  it('says why it encodes: unknown keyframes, other codecs and profiles, bitrate, size', () => {
    const cases: Array<[Partial<NonNullable<SourceInfo['video']>>, string]> = [
      [{ keyframeIntervalSeconds: undefined }, 'encode: keyframe interval unknown'],
      [{ codec: 'hevc' }, 'encode: source codec hevc is not H.264'],
      [{ profile: 'High 10' }, 'encode: H.264 profile High 10 is not playable everywhere'],
      [{ bitrateKbps: 12_000 }, 'encode: source bitrate 12000 kbps exceeds 8500 kbps'],
      [{ bitrateKbps: undefined }, 'encode: source bitrate unknown'],
      [{ width: 2560, height: 1440 }, 'encode: source 2560x1440 is above the top rung 1080p'],
      [{ fps: 120 }, 'encode: source frame rate 120 is above 60'],
    ];
    for (const [video, reason] of cases) {
      const plan = planLadder({ video: h264(video), audio: AAC });
      assert.equal(plan.topRung, 'encode', reason);
      assert.equal(plan.reason, reason);
    }
  });

  it('passes sources up to 8.5 Mbps through by default (the IVS Standard anchor), and encodes above it', () => {
    assert.equal(planLadder({ video: h264({ bitrateKbps: 8300 }) }).topRung, 'passthrough');
    assert.equal(planLadder({ video: h264({ bitrateKbps: 8500 }) }).topRung, 'passthrough');
    assert.equal(planLadder({ video: h264({ bitrateKbps: 8600 }) }).reason, 'encode: source bitrate 8600 kbps exceeds 8500 kbps');
    assert.equal(planLadder({ video: h264({ fps: 60, bitrateKbps: 8400 }) }).topRung, 'passthrough');
  });

  it('honours a custom passthrough bitrate cap', () => {
    assert.equal(planLadder({ video: h264({ bitrateKbps: 9000 }) }, { passthroughMaxBitrateKbps: 10_000 }).topRung, 'passthrough');
    assert.equal(planLadder({ video: h264({ bitrateKbps: 4500 }) }, { passthroughMaxBitrateKbps: 4000 }).topRung, 'encode');
  });

  it('never plans a rung above the source: a 480p source gets 480p and 360p', () => {
    const plan = planLadder({ video: h264({ width: 854, height: 480, level: 30, bitrateKbps: 1500 }), audio: AAC });
    assert.deepEqual(sizes(plan), ['480p 854x480', '360p 640x360']);
    assert.equal(plan.topRung, 'passthrough');
  });

  it('gives a source between rungs its own size as the top rung', () => {
    const plan = planLadder({ video: h264({ width: 1600, height: 900, level: 40, bitrateKbps: 4000 }), audio: AAC });
    assert.deepEqual(sizes(plan), ['900p 1600x900', '720p 1280x720', '480p 854x480', '360p 640x360']);
  });

  it('drops a rung within 15% of the top one, which would cost an encode for no saving', () => {
    const plan = planLadder({ video: h264({ width: 1366, height: 768, keyframeIntervalSeconds: 5 }), audio: AAC });
    assert.deepEqual(sizes(plan), ['768p 1366x768', '480p 854x480', '360p 640x360']);
  });

  it('scales a source above the top rung down to it, keeping the aspect ratio with even sizes', () => {
    const plan = planLadder({ video: h264({ width: 3840, height: 1600, level: 51 }), audio: AAC });
    assert.equal(plan.topRung, 'encode');
    assert.deepEqual(sizes(plan), ['1080p 2592x1080', '720p 1728x720', '480p 1152x480', '360p 864x360']);
    for (const r of plan.renditions) assert.ok(r.width! % 2 === 0 && r.height! % 2 === 0, r.name);
  });

  it('sizes portrait video by its short side', () => {
    const plan = planLadder({ video: h264({ width: 1080, height: 1920 }), audio: AAC });
    assert.deepEqual(sizes(plan), ['1080p 1080x1920', '720p 720x1280', '480p 480x854', '360p 360x640']);
  });

  it('encodes an odd-sized source at the nearest even size below', () => {
    const plan = planLadder({ video: h264({ width: 853, height: 479, keyframeIntervalSeconds: 10 }) });
    assert.deepEqual(sizes(plan), ['478p 852x478', '360p 642x360']);
  });

  it('gives a tiny source a single rung', () => {
    const plan = planLadder({ video: h264({ width: 320, height: 240, level: 13, bitrateKbps: 300 }), audio: AAC });
    assert.deepEqual(sizes(plan), ['240p 320x240']);
  });

  it('uses the configured rungs and segment length, highest first, for keyframe spacing too', () => {
    const plan = planLadder({ video: h264({ fps: 25, keyframeIntervalSeconds: 4 }), audio: AAC }, { rungs: [480, 720], segmentSeconds: 4 });
    assert.equal(plan.topRung, 'encode');
    assert.equal(plan.reason, 'encode: source 1920x1080 is above the top rung 720p');
    assert.deepEqual(sizes(plan), ['720p 1280x720', '480p 854x480']);
    assert.deepEqual(plan.renditions.map((r) => r.gopFrames), [100, 100]);
    assert.equal(plan.segmentSeconds, 4);
  });

  it('raises bitrates by half for high frame rates', () => {
    const plan = planLadder({ video: h264({ fps: 60, level: 42, keyframeIntervalSeconds: 2 }), audio: AAC });
    assert.equal(plan.renditions[1]!.videoBitrateKbps, 4200);
    assert.equal(plan.renditions[1]!.codecs, 'avc1.640020,mp4a.40.2');
    assert.equal(plan.renditions[1]!.gopFrames, 120);
  });

  it('runs the 480p/360p rungs of a 50/60 fps source at half its rate, at the 30 fps bitrate, with 2 s GOPs', () => {
    const plan = planLadder({ video: h264({ fps: 60, level: 42 }), audio: AAC });
    assert.deepEqual(plan.renditions.map((r) => [r.name, r.fps, r.frameStep, r.gopFrames, r.videoBitrateKbps]), [
      ['1080p', 60, undefined, 120, 4500],
      ['720p', 60, undefined, 120, 4200],
      ['480p', 30, 2, 60, 1200],
      ['360p', 30, 2, 60, 700],
    ]);
    assert.deepEqual(planLadder({ video: h264({ fps: 50, level: 42 }) }).renditions.map((r) => r.fps), [50, 50, 25, 25]);
    // Below 47 fps nothing is halved (a low tier would fall under 24 fps); the option keeps the source's rate.
    assert.deepEqual(planLadder({ video: h264({ fps: 40 }) }).renditions.map((r) => r.fps), [40, 40, 40, 40]);
    assert.deepEqual(planLadder({ video: h264({ fps: 60, level: 42 }) }, { lowTierMaxFps: Infinity }).renditions.map((r) => r.fps), [60, 60, 60, 60]);
  });

  it('plans one audio rendition for an audio-only source', () => {
    const plan = planLadder({ audio: AAC });
    assert.equal(plan.topRung, 'none');
    assert.equal(plan.reason, 'audio only: aac 48000 Hz 2 ch, copied');
    assert.equal(plan.renditions.length, 1);
    assert.deepEqual(plan.renditions[0], { name: 'audio', kind: 'audio', passthrough: true, bandwidth: 140_800, averageBandwidth: 140_800, codecs: 'mp4a.40.2' });
  });

  it('re-encodes audio that is not AAC-LC stereo at a common rate', () => {
    const plan = planLadder({ audio: { codec: 'mp3', sampleRate: 44_100, channels: 2, bitrateKbps: 192 } }, { audioBitrateKbps: 96 });
    assert.deepEqual(plan.audio, { bitrateKbps: 96, sampleRate: 48_000, channels: 2, passthrough: false });
    assert.equal(plan.reason, 'audio only: mp3 44100 Hz 2 ch, encoded to AAC 96 kbps');
    const surround = planLadder({ video: h264(), audio: { ...AAC, channels: 6 } });
    assert.deepEqual(surround.audio, { bitrateKbps: 128, sampleRate: 48_000, channels: 2, passthrough: false });
  });

  it('leaves audio out of the codecs of a source without audio', () => {
    const plan = planLadder({ video: h264() });
    assert.equal(plan.audio, null);
    assert.deepEqual(plan.renditions.map((r) => r.codecs), ['avc1.640028', 'avc1.64001f', 'avc1.64001f', 'avc1.64001e']);
  });

  it('writes the codecs string of a passed-through Main or Constrained Baseline source from its profile', () => {
    assert.equal(planLadder({ video: h264({ profile: 'Main', level: 31, width: 1280, height: 720 }) }).renditions[0]!.codecs, 'avc1.4d401f');
    assert.equal(planLadder({ video: h264({ profile: 'Constrained Baseline', level: 30, width: 640, height: 360, bitrateKbps: 800 }) }).renditions[0]!.codecs, 'avc1.42e01e');
  });

  it('refuses a source without media and nonsense options', () => {
    assert.throws(() => planLadder({}), /neither video nor audio/);
    assert.throws(() => planLadder({ video: h264() }, { rungs: [] }), /at least one rung/);
    assert.throws(() => planLadder({ video: h264() }, { rungs: [720.5] }), /whole number/);
    assert.throws(() => planLadder({ video: h264() }, { segmentSeconds: 0 }), /segmentSeconds/);
  });
});

describe('toTranscodeDecision', () => {
  it('keeps what the stream and stream.live show, without encoder details', () => {
    const decision = toTranscodeDecision(planLadder({ video: h264(), audio: AAC }));
    assert.equal(decision.topRung, 'passthrough');
    assert.deepEqual(decision.renditions[1], { name: '720p', width: 1280, height: 720, bandwidth: 3_220_800, codecs: 'avc1.64001f,mp4a.40.2' });
    assert.deepEqual(toTranscodeDecision(planLadder({ audio: AAC })).renditions, [{ name: 'audio', bandwidth: 140_800, codecs: 'mp4a.40.2' }]);
  });
});

describe('bitrateFor and levelFor', () => {
  it('interpolates between table sizes and picks the lowest level that fits', () => {
    assert.equal(bitrateFor(720, 30), 2800);
    const b900 = bitrateFor(900, 30);
    assert.ok(b900 > 2800 && b900 < 5000, String(b900));
    assert.equal(levelFor(1920, 1080, 30, 5000), 40);
    assert.equal(levelFor(1280, 720, 30, 2800), 31);
    assert.equal(levelFor(1280, 720, 60, 4200), 32);
    assert.equal(levelFor(640, 360, 30, 700), 30);
  });
});
