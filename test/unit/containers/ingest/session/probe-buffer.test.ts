/** The probe buffer decides when enough of a publish was seen to plan the ladder. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProbeBuffer } from '../../../../../containers/ingest/src/session/probe-buffer';
import { flvTag } from '../../../../support/flv-tag';

function tag(type: 8 | 9, timestampMs: number, keyframe = false, payload = 0): Buffer {
  const data = type === 9 ? Buffer.concat([Buffer.from([keyframe ? 0x17 : 0x27, 1, 0, 0, 0]), Buffer.alloc(payload)]) : Buffer.from([0xaf, 1, 0]);
  return flvTag(type, timestampMs, data);
}

describe('ProbeBuffer', () => {
  it('is ready after two video keyframes, and keeps every byte in order', () => {
    const buffer = new ProbeBuffer({ maxMediaMs: 2500, maxBytes: 1 << 20 });
    const chunks = [tag(9, 0, true), tag(8, 10), tag(9, 33), tag(9, 2000, true)];
    assert.deepEqual(chunks.map((c) => buffer.add(c)), [false, false, false, true]);
    assert.deepEqual(buffer.contents(), Buffer.concat(chunks));
    assert.equal(buffer.keyframeIntervalLowerBoundSeconds, undefined);
  });

  it('is ready once audio-only media spans the probe window', () => {
    const buffer = new ProbeBuffer({ maxMediaMs: 2500, maxBytes: 1 << 20 });
    assert.equal(buffer.add(tag(8, 0)), false);
    assert.equal(buffer.add(tag(8, 2600)), true);
    assert.ok(buffer.hasMedia);
  });

  it('reports a lower bound for a GOP longer than the window', () => {
    const buffer = new ProbeBuffer({ maxMediaMs: 2500, maxBytes: 1 << 20 });
    buffer.add(tag(9, 100, true));
    assert.equal(buffer.add(tag(9, 2700)), true);
    assert.equal(buffer.keyframeIntervalLowerBoundSeconds, 2.6);
  });

  it('measures the video as ffprobe would: longest keyframe interval, bitrate over whole GOPs, frame rate', () => {
    const buffer = new ProbeBuffer({ maxMediaMs: 5000, maxBytes: 1 << 24 });
    assert.equal(buffer.measuredVideo(), undefined);
    // 30 fps, a keyframe every 2 s, 10 000 bytes per frame (the 5-byte AVC tag header is not counted).
    for (let frame = 0; frame <= 60; frame++) buffer.add(tag(9, Math.round((frame * 1000) / 30), frame % 60 === 0, 10_000));
    const measured = buffer.measuredVideo();
    assert.ok(measured);
    assert.equal(measured.keyframeIntervalSeconds, 2);
    assert.equal(measured.bitrateKbps, Math.round((60 * 10_000 * 8) / 2 / 1000));
    assert.ok(measured.fps !== undefined && Math.abs(measured.fps - 30) < 0.1, `fps ${measured.fps}`);
  });

  it('measures nothing from one keyframe', () => {
    const buffer = new ProbeBuffer({ maxMediaMs: 5000, maxBytes: 1 << 24 });
    for (let frame = 0; frame < 30; frame++) buffer.add(tag(9, frame * 33, frame === 0, 100));
    assert.equal(buffer.measuredVideo(), undefined);
  });
});
