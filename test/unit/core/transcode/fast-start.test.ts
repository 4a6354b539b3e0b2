/**
 * Fast start: which sources start from their first keyframe, what a provisional plan assumes, when the
 * keyframe watch answers, and that a refined plan keeps what the master playlist advertised.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyframeWatch, planFastStart, refineProvisional } from '../../../../core/transcode/fast-start';
import type { SourceInfo } from '../../../../core/transcode/ladder';

const AAC: NonNullable<SourceInfo['audio']> = { codec: 'aac', profile: 'LC', sampleRate: 48_000, channels: 2, bitrateKbps: 128 };
const declared = (overrides: Partial<NonNullable<SourceInfo['video']>> = {}): SourceInfo => ({
  video: { codec: 'h264', profile: 'Main', level: 31, width: 1280, height: 720, fps: 30, bitrateKbps: 2500, ...overrides },
  audio: AAC,
});
const video = (tag: { t: number; key?: boolean; config?: boolean }) => ({ type: 'video' as const, timestampMs: tag.t, keyframe: tag.key ?? false, config: tag.config ?? false });

describe('planFastStart', () => {
  it('starts a passthrough candidate provisionally, assuming keyframes one segment apart', () => {
    const fast = planFastStart(declared());
    assert.equal(fast.kind, 'provisional');
    if (fast.kind !== 'provisional') return;
    assert.equal(fast.segmentSeconds, 2);
    assert.equal(fast.plan.topRung, 'passthrough');
    assert.deepEqual(fast.plan.renditions.map((r) => r.name), ['720p', '480p', '360p']);
  });

  it('starts for good when the top rung is encoded for a reason the GOP cannot change', () => {
    const fast = planFastStart(declared({ codec: 'hevc' }));
    assert.equal(fast.kind, 'final');
    if (fast.kind === 'final') assert.match(fast.plan.reason, /hevc/);
    assert.equal(planFastStart(declared({ bitrateKbps: 20_000 })).kind, 'final');
  });

  it('waits for the classic probe when only a declared bitrate is missing for passthrough', () => {
    assert.equal(planFastStart(declared({ bitrateKbps: undefined })).kind, 'wait');
  });

  it('plans audio-only sources and sources with a measured GOP as before', () => {
    assert.equal(planFastStart({ audio: AAC }).kind, 'final');
    const measured = planFastStart(declared({ keyframeIntervalSeconds: 4 }));
    assert.equal(measured.kind, 'final');
    if (measured.kind === 'final') assert.equal(measured.plan.topRung, 'encode');
  });
});

describe('refineProvisional', () => {
  const provisional = (() => {
    const fast = planFastStart(declared());
    assert.equal(fast.kind, 'provisional');
    return fast.plan;
  })();

  it('keeps the provisional plan when the first GOP fits a segment (29.97 fps GOPs included)', () => {
    assert.equal(refineProvisional(declared(), {}, provisional, 2), undefined);
    assert.equal(refineProvisional(declared(), {}, provisional, 2.002), undefined);
    assert.equal(refineProvisional(declared(), {}, provisional, 1), undefined);
  });

  it('encodes every rung when keyframes are too far apart, under the advertised names, codecs and bandwidths', () => {
    const refined = refineProvisional(declared(), {}, provisional, 2.1);
    assert.ok(refined);
    assert.equal(refined.topRung, 'encode');
    assert.match(refined.reason, /keyframe interval/);
    assert.deepEqual(refined.renditions.map((r) => r.passthrough), [false, false, false]);
    assert.deepEqual(refined.renditions.map((r) => [r.name, r.codecs, r.bandwidth, r.averageBandwidth]), provisional.renditions.map((r) => [r.name, r.codecs, r.bandwidth, r.averageBandwidth]));
    const top = refined.renditions[0]!;
    // Main profile as the source declared it; the encoder's cap keeps the peak within the advertised rate.
    assert.match(top.codecs, /^avc1\.4d/);
    assert.ok(top.maxrateKbps! <= Math.round(2500 * 1.25), `maxrate ${top.maxrateKbps}`);
    assert.deepEqual([top.width, top.height], [1280, 720]);
  });
});

describe('KeyframeWatch', () => {
  it('answers at the second keyframe with the first GOP', () => {
    const watch = new KeyframeWatch(2);
    assert.equal(watch.observe(video({ t: 0, config: true })), undefined);
    assert.equal(watch.observe({ type: 'audio', timestampMs: 10, keyframe: false, config: false }), undefined);
    assert.equal(watch.observe(video({ t: 40, key: true })), undefined);
    assert.equal(watch.observe(video({ t: 1973 })), undefined);
    assert.equal(watch.observe(video({ t: 2040, key: true })), 2);
    assert.equal(watch.keyframeIntervalSeconds, 2);
  });

  it('answers with a lower bound at the first frame past a segment without a keyframe', () => {
    const watch = new KeyframeWatch(2);
    watch.observe(video({ t: 0, key: true }));
    assert.equal(watch.observe(video({ t: 2000 })), undefined);
    assert.equal(watch.observe(video({ t: 2033 })), 2.033);
    // Once answered it stays answered.
    assert.equal(watch.observe(video({ t: 4000, key: true })), 2.033);
  });
});
