/**
 * Health from measured media, with hysteresis: the time is driven by hand, so every threshold is checked
 * at its edge without waiting. A feed at 30 fps with 2 s keyframes is excellent; one event per real
 * change; starvation and behind-realtime are single start/end edges.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IngestMeter } from '../../../../core/health/ingest-meter';
import { StreamHealthTracker, healthView, type HealthSignal, type StreamHealthReport } from '../../../../core/health/stream-health';
import { applySessionEvent } from '../../../../core/sessions/session';
import { nodeStatus, type NodeReport } from '../../../../core/nodes/nodes';
import type { StreamplaneEvent } from '../../../../core/events/catalog';

/** Feeds `seconds` of 30 fps video (`kbps`, keyframes every `gop` s) and 48 kHz AAC, in real time from `from` ms. */
function feed(meter: IngestMeter, from: number, seconds: number, { kbps = 3000, gop = 2 } = {}): number {
  const frameBytes = (kbps * 1000) / 8 / 30;
  for (let i = 0; i < seconds * 30; i++) {
    const ts = from + Math.round((i * 1000) / 30);
    meter.add({ type: 'video', timestampMs: ts, bytes: frameBytes, keyframe: ts % (gop * 1000) === 0 }, ts);
    if (i % 3 === 0) meter.add({ type: 'audio', timestampMs: ts, bytes: 128_000 / 8 / 10, keyframe: false }, ts);
  }
  return from + seconds * 1000;
}

describe('IngestMeter', () => {
  it('measures bitrate, frame rate and keyframe interval from the tags received', () => {
    const meter = new IngestMeter();
    const end = feed(meter, 0, 12, { kbps: 4500, gop: 2 });
    const m = meter.measure(end);
    assert.ok(Math.abs(m.videoKbps10s - 4500) < 50, String(m.videoKbps10s));
    assert.ok(Math.abs(m.fps - 30) <= 0.5, String(m.fps));
    assert.equal(m.keyframeIntervalSeconds, 2);
    assert.ok(Math.abs(m.audioKbps10s - 128) < 5, String(m.audioKbps10s));
  });

  it('keeps measuring exactly over a long feed, when old samples are dropped in batches', () => {
    const meter = new IngestMeter();
    let end = feed(meter, 0, 60, { kbps: 6000 });
    end = feed(meter, end, 12, { kbps: 1500 });
    const m = meter.measure(end);
    assert.ok(Math.abs(m.videoKbps10s - 1500) < 30, `the 10 s window holds only the last 10 s: ${m.videoKbps10s}`);
    assert.ok(Math.abs(m.fps - 30) <= 0.5, String(m.fps));
  });

  it('lets media that stopped arriving fall out of the windows', () => {
    const meter = new IngestMeter();
    const end = feed(meter, 0, 5);
    const m = meter.measure(end + 3_000);
    assert.equal(m.videoKbps, 0);
    assert.equal(m.fps, 0);
    assert.ok(m.sinceLastMediaMs! >= 3_000);
  });

  it('tells the time since the last tag without measuring, and keeps 1 s and 10 s windows apart', () => {
    const meter = new IngestMeter();
    assert.equal(meter.sinceLastMediaMs(1_000), undefined);
    assert.equal(meter.measure(1_000).hasVideo, false);
    let end = feed(meter, 0, 10, { kbps: 6000 });
    end = feed(meter, end, 1, { kbps: 1500 });
    assert.equal(meter.sinceLastMediaMs(end + 250), meter.measure(end + 250).sinceLastMediaMs);
    const m = meter.measure(end);
    assert.ok(Math.abs(m.videoKbps - 1500) < 60, `the 1 s window holds only the last second: ${m.videoKbps}`);
    assert.ok(m.videoKbps10s > 5000 && m.videoKbps10s < 6000, `the 10 s window spans both rates: ${m.videoKbps10s}`);
    assert.ok(m.hasVideo && m.hasAudio);
  });

  it('shows a long GOP before its second keyframe arrives', () => {
    const meter = new IngestMeter();
    const end = feed(meter, 0, 6, { gop: 10 });
    assert.ok(meter.measure(end).keyframeIntervalSeconds! >= 5.9);
  });
});

function run(tracker: StreamHealthTracker, meter: IngestMeter, from: number, seconds: number, options: { kbps?: number; gop?: number; speed?: number; paused?: boolean } = {}): { end: number; signals: Array<HealthSignal & { at: number }> } {
  const signals: Array<HealthSignal & { at: number }> = [];
  let t = from;
  for (let s = 0; s < seconds; s++) {
    if (!options.paused) feed(meter, t, 1, options);
    t += 1000;
    for (const signal of tracker.update(t, meter.measure(t), { speed: options.speed })) signals.push({ ...signal, at: t });
  }
  return { end: t, signals };
}

describe('StreamHealthTracker', () => {
  it('a steady 2 s GOP feed stays excellent with no events', () => {
    const meter = new IngestMeter();
    const tracker = new StreamHealthTracker(0);
    const { signals } = run(tracker, meter, 0, 30, { speed: 1 });
    assert.deepEqual(signals, []);
    assert.equal(tracker.snapshot.status, 'excellent');
  });

  it('starvation: started after 2 s without media, ended when media is back, status starving then good again after 10 s', () => {
    const meter = new IngestMeter();
    const tracker = new StreamHealthTracker(0);
    let { end } = run(tracker, meter, 0, 12, { speed: 1 });
    const paused = run(tracker, meter, end, 5, { paused: true });
    assert.deepEqual(paused.signals.map((s) => s.type), ['stream.starvation.started', 'stream.health.changed']);
    assert.equal(paused.signals[0]!.at - end, 2_000);
    assert.deepEqual(paused.signals[1]!.data, { from: 'excellent', to: 'starving', reasons: ['starving'] });
    const resumed = run(tracker, meter, paused.end, 15, { speed: 1 });
    assert.equal(resumed.signals[0]!.type, 'stream.starvation.ended');
    assert.ok(Math.abs((resumed.signals[0]!.data as { durationSeconds: number }).durationSeconds - 5) <= 1);
    const back = resumed.signals.find((s) => s.type === 'stream.health.changed');
    // The feed's timestamps jump over the pause here (a real -re encoder's do not): good while that jump is
    // within the last 10 s, excellent after; the hold runs across both steps.
    assert.equal(back?.data.from, 'starving');
    assert.ok(['good', 'excellent'].includes(String(back?.data.to)));
    assert.ok(back!.at - paused.end >= 10_000, 'a better status must hold 10 s');
    assert.ok(tracker.snapshot.starvedSeconds >= 4);
  });

  it('keyframes every 10 s: poor with keyframe_interval_long, one event', () => {
    const meter = new IngestMeter();
    const tracker = new StreamHealthTracker(0);
    const { signals } = run(tracker, meter, 0, 40, { gop: 10, speed: 1 });
    const changes = signals.filter((s) => s.type === 'stream.health.changed');
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]!.data, { from: 'excellent', to: 'poor', reasons: ['keyframe_interval_long'] });
  });

  it('a status flapping every second produces no more than one event per 10 s', () => {
    const meter = new IngestMeter();
    const tracker = new StreamHealthTracker(0);
    const signals: number[] = [];
    let t = 0;
    for (let s = 0; s < 60; s++) {
      feed(meter, t, 1);
      t += 1000;
      // Speed alternates around 1.0: behind realtime never holds 10 s, so it must not flap either.
      signals.push(...tracker.update(t, meter.measure(t), { speed: s % 2 ? 0.8 : 1.2 }).map(() => t));
    }
    assert.deepEqual(signals, []);
  });

  it('behind realtime: one event after 10 s below 1.0, poor, and again only after keeping up for 10 s', () => {
    const meter = new IngestMeter();
    const tracker = new StreamHealthTracker(0);
    const slow = run(tracker, meter, 0, 15, { speed: 0.8 });
    assert.deepEqual(slow.signals.filter((s) => s.type === 'stream.behind_realtime').map((s) => s.at), [11_000], 'ten seconds after the first slow sample');
    assert.equal(tracker.snapshot.behindRealtime, true);
    const stillSlow = run(tracker, meter, slow.end, 10, { speed: 0.8 });
    assert.equal(stillSlow.signals.filter((s) => s.type === 'stream.behind_realtime').length, 0);
    assert.equal(tracker.snapshot.status, 'poor');
  });
});

describe('healthView', () => {
  const report: StreamHealthReport = {
    streamId: 'st_x', sessionId: 'ses_a', nodeId: 'n', status: 'good', reasons: ['timestamp_gaps'],
    ingest: { videoKbps: 1, audioKbps: 1, fps: 30, keyframeIntervalSeconds: 2, width: 2, height: 2, videoCodec: 'h264', audioCodec: 'aac' },
    transcoder: { speed: 1 }, updatedAt: '2026-01-01T00:00:10.000Z',
  };
  it('shows the report of the open session while fresh, offline otherwise', () => {
    const now = new Date('2026-01-01T00:00:20.000Z');
    assert.equal(healthView({ publishing: true, sessionId: 'ses_a', report, now }).status, 'good');
    assert.equal(healthView({ publishing: true, sessionId: 'ses_b', report, now }).status, 'offline');
    assert.equal(healthView({ publishing: false, sessionId: 'ses_a', report, now }).status, 'offline');
    assert.equal(healthView({ publishing: true, sessionId: 'ses_a', report, now: new Date('2026-01-01T00:01:00.000Z') }).status, 'offline');
  });
});

describe('session projection', () => {
  const ev = (id: string, type: string, data: Record<string, unknown>, time: string): StreamplaneEvent => ({ id, type, version: 1, time, streamId: 'st_x', sessionId: 'ses_a', sequence: 1, data } as unknown as StreamplaneEvent);
  it('counts reconnects and restarts once per event, and records the end', () => {
    let r = applySessionEvent(undefined, ev('e1', 'stream.connected', { reconnect: false, remoteAddress: '203.0.113.9' }, '2026-01-01T00:00:00.000Z'))!;
    r = applySessionEvent(r, ev('e2', 'stream.connected', { reconnect: true, remoteAddress: '203.0.113.10' }, '2026-01-01T00:00:05.000Z'))!;
    assert.equal(applySessionEvent(r, ev('e2', 'stream.connected', { reconnect: true }, '2026-01-01T00:00:05.000Z')), undefined, 'a redelivery changes nothing');
    r = applySessionEvent(r, ev('e3', 'transcode.error', { reason: 'stalled_output' }, '2026-01-01T00:00:06.000Z'))!;
    r = applySessionEvent(r, ev('e4', 'stream.ended', { reason: 'publisher_gone', durationSeconds: 10 }, '2026-01-01T00:00:10.000Z'))!;
    assert.deepEqual([r.reconnects, r.transcoderRestarts, r.remoteAddress, r.endReason, r.endedAt], [1, 1, '203.0.113.9', 'publisher_gone', '2026-01-01T00:00:10.000Z']);
  });
});

describe('node status', () => {
  const base: NodeReport = {
    id: 'n1', streamIds: [], cpuPercent: 10, memoryBytes: 1, memoryTotalBytes: 2, networkInBytesPerSecond: 0, networkOutBytesPerSecond: 0,
    worstTranscoderSpeed: 1, selfCheck: { ok: true, eventLoopLagMs: 1, problems: [] }, startedAt: '2026-01-01T00:00:00.000Z', lastSeenAt: '2026-01-01T00:00:00.000Z',
  };
  const now = new Date('2026-01-01T00:00:05.000Z');
  it('is healthy, degraded (slow transcoder, CPU) or unhealthy (silent, failed self-check)', () => {
    assert.equal(nodeStatus(base, now).status, 'healthy');
    assert.deepEqual(nodeStatus({ ...base, worstTranscoderSpeed: 0.8 }, now), { status: 'degraded', reasons: ['transcoder_behind_realtime'] });
    assert.equal(nodeStatus({ ...base, cpuPercent: 95 }, now).status, 'degraded');
    assert.equal(nodeStatus(base, new Date('2026-01-01T00:01:00.000Z')).status, 'unhealthy');
    assert.equal(nodeStatus({ ...base, selfCheck: { ok: false, eventLoopLagMs: 3000, problems: ['event_loop_lag'] } }, now).status, 'unhealthy');
  });
});
