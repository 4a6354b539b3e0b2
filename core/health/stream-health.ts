/**
 * The health of one live feed: what its measurements mean (`assessHealth`) and the hysteresis that turns
 * a stream of assessments into few, real events (`StreamHealthTracker`). One `stream.health.changed` per
 * real change, never a flood: a worse status must hold `worsenAfterMs`, a better one `improveAfterMs`, and
 * two changes are at least `minChangeGapMs` apart. Starvation (no media for `starvationMs` while
 * connected) and running behind realtime (speed < 1.0 for `behindAfterMs`) are their own start/end edges.
 *
 * Pure: time comes in as `nowMs` on every call (tests drive it by hand); no timers, no I/O.
 */
import type { IngestMeasurement } from './ingest-meter';

export const HEALTH_STATUSES = ['excellent', 'good', 'poor', 'starving', 'offline'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const HEALTH_REASONS = [
  'offline',
  'starving',
  'no_video',
  'keyframe_interval_long',
  'keyframe_interval_above_segment',
  'low_frame_rate',
  'behind_realtime',
  'timestamp_gaps',
  'av_drift',
] as const;
export type HealthReason = (typeof HEALTH_REASONS)[number];

export interface HealthThresholds {
  /** No media for this long while connected is starvation. Default 2000. */
  starvationMs: number;
  /** Keyframes further apart than this make a feed poor. Default 4. */
  poorKeyframeIntervalSeconds: number;
  /** Keyframes further apart than the segment (HLS cuts on keyframes) make it only good. Default 2. */
  segmentSeconds: number;
  /** Below this frame rate a video feed is poor. Default 12. */
  poorFps: number;
  /** Audio and video timestamps further apart than this: good at best. Default 1000. */
  maxAvDriftMs: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  starvationMs: 2_000,
  poorKeyframeIntervalSeconds: 4,
  segmentSeconds: 2,
  poorFps: 12,
  maxAvDriftMs: 1_000,
};

export interface TranscoderHealth {
  /** Media produced per media received over the last seconds (1.0 = keeps up); undefined until known. */
  speed: number | undefined;
}

export interface HealthAssessment {
  status: HealthStatus;
  reasons: HealthReason[];
}

const RANK: Record<HealthStatus, number> = { excellent: 0, good: 1, poor: 2, starving: 3, offline: 4 };

/** What one moment's measurements say, without memory. Reasons are ordered worst first. */
export function assessHealth(m: IngestMeasurement, transcoder: TranscoderHealth & { behind: boolean }, t: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS): HealthAssessment {
  if (m.sinceLastMediaMs === undefined || m.sinceLastMediaMs >= t.starvationMs) return { status: 'starving', reasons: ['starving'] };
  const poor: HealthReason[] = [];
  const good: HealthReason[] = [];
  if (m.hasVideo) {
    const gop = m.keyframeIntervalSeconds;
    // A tenth of a second of slack: FLV timestamps are rounded to the millisecond, encoders drift.
    if (gop !== undefined && gop > t.poorKeyframeIntervalSeconds + 0.1) poor.push('keyframe_interval_long');
    else if (gop !== undefined && gop > t.segmentSeconds + 0.1) good.push('keyframe_interval_above_segment');
    if (m.fps > 0 && m.fps < t.poorFps) poor.push('low_frame_rate');
  } else if (m.hasAudio) {
    // Audio-only feeds are legitimate (radio): no video reasons, but say it once.
    good.push('no_video');
  }
  if (transcoder.behind) poor.push('behind_realtime');
  if (m.timestampGaps > 0) good.push('timestamp_gaps');
  if (m.avDriftMs !== undefined && m.avDriftMs > t.maxAvDriftMs) good.push('av_drift');
  if (poor.length > 0) return { status: 'poor', reasons: [...poor, ...good] };
  if (good.length > 0) return { status: 'good', reasons: good };
  return { status: 'excellent', reasons: [] };
}

export type HealthSignal =
  | { type: 'stream.health.changed'; data: { from: HealthStatus; to: HealthStatus; reasons: HealthReason[] } }
  | { type: 'stream.starvation.started'; data: { sinceLastMediaMs: number } }
  | { type: 'stream.starvation.ended'; data: { durationSeconds: number } }
  | { type: 'stream.behind_realtime'; data: { speed: number; forSeconds: number } };

export interface HysteresisOptions {
  worsenAfterMs: number;
  improveAfterMs: number;
  minChangeGapMs: number;
  /** Speed below 1.0 this long is behind realtime; the same time at ≥ 1.0 re-arms the event. */
  behindAfterMs: number;
}

export const DEFAULT_HYSTERESIS: HysteresisOptions = { worsenAfterMs: 2_000, improveAfterMs: 10_000, minChangeGapMs: 10_000, behindAfterMs: 10_000 };

export interface HealthSnapshot {
  status: HealthStatus;
  reasons: HealthReason[];
  /** Starvation time accumulated over the tracker's life, seconds. */
  starvedSeconds: number;
  behindRealtime: boolean;
}

export class StreamHealthTracker {
  private shown: HealthAssessment;
  private direction: { way: 'worse' | 'better'; since: number } | undefined;
  private lastChangeAt: number;
  private starvingSince: number | undefined;
  private starvedMs = 0;
  private belowSince: number | undefined;
  private atOrAboveSince: number | undefined;
  private behind = false;
  private readonly thresholds: HealthThresholds;
  private readonly hysteresis: HysteresisOptions;

  /** `startMs`: when the feed connected. The first status is shown without an event (`stream.connected` said it). */
  constructor(startMs: number, options: { thresholds?: Partial<HealthThresholds>; hysteresis?: Partial<HysteresisOptions> } = {}) {
    this.thresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...options.thresholds };
    this.hysteresis = { ...DEFAULT_HYSTERESIS, ...options.hysteresis };
    this.shown = { status: 'excellent', reasons: [] };
    this.lastChangeAt = startMs;
  }

  get snapshot(): HealthSnapshot {
    return { status: this.shown.status, reasons: [...this.shown.reasons], starvedSeconds: Math.round(this.starvedMs / 100) / 10, behindRealtime: this.behind };
  }

  /** Feeds one moment's measurements; returns the events this moment produces (usually none). */
  update(nowMs: number, m: IngestMeasurement, transcoder: TranscoderHealth): HealthSignal[] {
    const signals: HealthSignal[] = [];
    this.trackStarvation(nowMs, m, signals);
    this.trackSpeed(nowMs, transcoder, signals);
    const assessed = assessHealth(m, { ...transcoder, behind: this.behind }, this.thresholds);
    this.trackStatus(nowMs, assessed, signals);
    return signals;
  }

  private trackStarvation(nowMs: number, m: IngestMeasurement, signals: HealthSignal[]): void {
    const since = m.sinceLastMediaMs;
    // Before the first byte the feed is not starving yet: the probe and ffmpeg are still starting.
    const starving = since !== undefined && since >= this.thresholds.starvationMs;
    if (starving && this.starvingSince === undefined) {
      this.starvingSince = nowMs - since;
      signals.push({ type: 'stream.starvation.started', data: { sinceLastMediaMs: Math.round(since) } });
    } else if (!starving && this.starvingSince !== undefined) {
      const lastMediaAt = nowMs - (since ?? 0);
      const durationMs = Math.max(0, lastMediaAt - this.starvingSince);
      this.starvedMs += durationMs;
      this.starvingSince = undefined;
      signals.push({ type: 'stream.starvation.ended', data: { durationSeconds: Math.round(durationMs / 100) / 10 } });
    }
  }

  private trackSpeed(nowMs: number, transcoder: TranscoderHealth, signals: HealthSignal[]): void {
    const speed = transcoder.speed;
    if (speed === undefined) {
      this.belowSince = undefined;
      this.atOrAboveSince = undefined;
      return;
    }
    if (speed < 1.0) {
      this.atOrAboveSince = undefined;
      this.belowSince ??= nowMs;
      if (!this.behind && nowMs - this.belowSince >= this.hysteresis.behindAfterMs) {
        this.behind = true;
        signals.push({ type: 'stream.behind_realtime', data: { speed, forSeconds: Math.round((nowMs - this.belowSince) / 1000) } });
      }
    } else {
      this.belowSince = undefined;
      this.atOrAboveSince ??= nowMs;
      if (this.behind && nowMs - this.atOrAboveSince >= this.hysteresis.behindAfterMs) this.behind = false;
    }
  }

  private trackStatus(nowMs: number, assessed: HealthAssessment, signals: HealthSignal[]): void {
    if (assessed.status === this.shown.status) {
      // Same status, other reasons: the snapshot follows at once, without an event.
      if (!sameAssessment(assessed, this.shown)) this.shown = assessed;
      this.direction = undefined;
      return;
    }
    // The clock runs while the assessment stays on one side of what is shown (a feed that goes from
    // starving to good to excellent keeps improving; it does not restart its hold at every step).
    const direction = RANK[assessed.status] > RANK[this.shown.status] ? 'worse' : 'better';
    if (this.direction?.way !== direction) this.direction = { way: direction, since: nowMs };
    // Starvation shows at once (it already waited `starvationMs`); other changes must hold.
    const holdMs = assessed.status === 'starving' ? 0 : direction === 'worse' ? this.hysteresis.worsenAfterMs : this.hysteresis.improveAfterMs;
    if (nowMs - this.direction.since < holdMs) return;
    if (nowMs - this.lastChangeAt < this.hysteresis.minChangeGapMs) return;
    const from = this.shown.status;
    this.shown = assessed;
    this.direction = undefined;
    this.lastChangeAt = nowMs;
    signals.push({ type: 'stream.health.changed', data: { from, to: assessed.status, reasons: [...assessed.reasons] } });
  }
}

function sameAssessment(a: HealthAssessment, b: HealthAssessment): boolean {
  return a.status === b.status && a.reasons.length === b.reasons.length && a.reasons.every((r, i) => r === b.reasons[i]);
}

/** What `GET /v1/streams/{id}/health` answers. */
export interface StreamHealthView {
  status: HealthStatus;
  reasons: HealthReason[];
  ingest: {
    videoKbps: number | null;
    audioKbps: number | null;
    videoKbps10s?: number | null;
    audioKbps10s?: number | null;
    fps: number | null;
    keyframeIntervalSeconds: number | null;
    width: number | null;
    height: number | null;
    videoCodec: string | null;
    audioCodec: string | null;
    timestampGaps?: number;
    avDriftMs?: number | null;
  };
  transcoder: { speed: number | null };
  updatedAt: string;
}

/** The stored report of a live feed, written by the ingest that carries it. */
export interface StreamHealthReport extends StreamHealthView {
  streamId: string;
  sessionId: string;
  nodeId: string;
}

/** A report older than this is from an ingest that stopped reporting: the feed counts as offline. */
export const HEALTH_REPORT_STALE_MS = 30_000;

const OFFLINE_INGEST: StreamHealthView['ingest'] = {
  videoKbps: null,
  audioKbps: null,
  fps: null,
  keyframeIntervalSeconds: null,
  width: null,
  height: null,
  videoCodec: null,
  audioCodec: null,
};

/**
 * The health a stream shows: the ingest's report while the stream has an open, publishing session and the
 * report is of that session and fresh; `offline` otherwise.
 */
export function healthView(input: { publishing: boolean; sessionId: string | undefined; report: StreamHealthReport | undefined; now: Date }): StreamHealthView {
  const { report } = input;
  const fresh = report && input.now.getTime() - Date.parse(report.updatedAt) <= HEALTH_REPORT_STALE_MS;
  if (input.publishing && report && fresh && report.sessionId === input.sessionId) {
    const { streamId: _s, sessionId: _ss, nodeId: _n, ...view } = report;
    return view;
  }
  return { status: 'offline', reasons: ['offline'], ingest: OFFLINE_INGEST, transcoder: { speed: null }, updatedAt: report && fresh && input.publishing ? report.updatedAt : input.now.toISOString() };
}
