/**
 * Watches one live feed for its session: meters the FLV the ingest receives (core IngestMeter), follows
 * the transcoder's progress to know its real speed, and runs the health hysteresis (core
 * StreamHealthTracker). The session calls `tick` once a second and emits what it returns. Speed is media
 * produced per media received over the last ~10 s (ffmpeg's own `speed=` is cumulative since the run
 * started, and a paused publisher would drag it below 1 for minutes).
 *
 * Must never: hold more than a bounded window of samples, or call a feed behind realtime while it is
 * only starved of input.
 */
import { IngestMeter, type IngestMeasurement } from '../../../../core/health/ingest-meter';
import { StreamHealthTracker, type HealthSignal, type HealthThresholds, type StreamHealthView } from '../../../../core/health/stream-health';
import type { SessionStats } from '../../../../core/sessions/session';
import { inspectFlvTags } from '../rtmp/flv-tap';
import type { TranscoderProgress } from '../transcoder/supervisor';

export interface FeedSource {
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
}

interface SpeedSample {
  atMs: number;
  outSeconds: number;
  inMediaMs: number;
}

const SPEED_WINDOW_MS = 10_000;

export class FeedMonitor {
  private readonly meter = new IngestMeter();
  private readonly tracker: StreamHealthTracker;
  private source: FeedSource = { width: null, height: null, videoCodec: null, audioCodec: null };
  private speedSamples: SpeedSample[] = [];
  private headMediaMs: number | undefined;
  private firstMediaMs: number | undefined;
  private peakVideoKbps = 0;
  private lastMeasurement: IngestMeasurement | undefined;
  private lastSpeed: number | undefined;

  constructor(private readonly now: () => number, thresholds: Partial<HealthThresholds> = {}) {
    this.tracker = new StreamHealthTracker(now(), { thresholds });
  }

  setSource(source: FeedSource): void {
    this.source = source;
  }

  onChunk(chunk: Buffer): void {
    const nowMs = this.now();
    for (const tag of inspectFlvTags(chunk)) {
      if (tag.type === 'script' || tag.config) continue;
      this.meter.add({ type: tag.type, timestampMs: tag.timestampMs, bytes: tag.bytes, keyframe: tag.keyframe }, nowMs);
      this.firstMediaMs ??= tag.timestampMs;
      this.headMediaMs = Math.max(this.headMediaMs ?? tag.timestampMs, tag.timestampMs);
    }
  }

  /** A new tap replays from the latest keyframe for a restarted transcoder. */
  onReplay(): void {
    this.meter.replayed();
    this.speedSamples = [];
  }

  onProgress(progress: TranscoderProgress): void {
    if (progress.outTimeSeconds === undefined || this.headMediaMs === undefined) return;
    const atMs = this.now();
    this.speedSamples.push({ atMs, outSeconds: progress.outTimeSeconds, inMediaMs: this.headMediaMs });
    while (this.speedSamples.length > 2 && atMs - this.speedSamples[0]!.atMs > SPEED_WINDOW_MS) this.speedSamples.shift();
  }

  /** Media out per media in over the window; undefined while too little arrived to tell (starvation, start). */
  speed(): number | undefined {
    const first = this.speedSamples[0];
    const last = this.speedSamples[this.speedSamples.length - 1];
    if (!first || !last || last.atMs - first.atMs < 5_000) return undefined;
    const inSeconds = (last.inMediaMs - first.inMediaMs) / 1000;
    if (inSeconds < 2) return undefined;
    return Math.round(((last.outSeconds - first.outSeconds) / inSeconds) * 100) / 100;
  }

  tick(): HealthSignal[] {
    const nowMs = this.now();
    const m = this.meter.measure(nowMs);
    this.lastMeasurement = m;
    this.lastSpeed = this.speed();
    if (m.videoKbps > this.peakVideoKbps) this.peakVideoKbps = m.videoKbps;
    return this.tracker.update(nowMs, m, { speed: this.lastSpeed });
  }

  /** The health as `GET /v1/streams/{id}/health` shows it, as of the last tick. */
  view(updatedAt: Date): StreamHealthView {
    const m = this.lastMeasurement ?? this.meter.measure(this.now());
    const { status, reasons } = this.tracker.snapshot;
    return {
      status,
      reasons,
      ingest: {
        videoKbps: m.hasVideo ? m.videoKbps : null,
        audioKbps: m.hasAudio ? m.audioKbps : null,
        videoKbps10s: m.hasVideo ? m.videoKbps10s : null,
        audioKbps10s: m.hasAudio ? m.audioKbps10s : null,
        fps: m.hasVideo ? m.fps : null,
        keyframeIntervalSeconds: m.keyframeIntervalSeconds ?? null,
        width: this.source.width,
        height: this.source.height,
        videoCodec: this.source.videoCodec,
        audioCodec: this.source.audioCodec,
        timestampGaps: m.timestampGaps,
        avDriftMs: m.avDriftMs ?? null,
      },
      transcoder: { speed: this.lastSpeed ?? null },
      updatedAt: updatedAt.toISOString(),
    };
  }

  get transcoderSpeed(): number | undefined {
    return this.lastSpeed;
  }

  get sinceLastMediaMs(): number | undefined {
    return this.meter.sinceLastMediaMs(this.now());
  }

  /** This feed's contribution to the session summary, added to what earlier runs (reconnects) stored. */
  stats(base: SessionStats | undefined, ids: { sessionId: string; streamId: string; nodeId: string }, updatedAt: Date): SessionStats {
    const m = this.lastMeasurement;
    const totals = this.meter.totals;
    const mediaSeconds = this.firstMediaMs === undefined || this.headMediaMs === undefined ? 0 : (this.headMediaMs - this.firstMediaMs) / 1000;
    const takeovers = (base?.takeovers ?? 0) + (base && base.nodeId !== ids.nodeId ? 1 : 0);
    return {
      ...ids,
      takeovers,
      mediaSeconds: (base?.mediaSeconds ?? 0) + mediaSeconds,
      videoBytes: (base?.videoBytes ?? 0) + totals.videoBytes,
      audioBytes: (base?.audioBytes ?? 0) + totals.audioBytes,
      peakVideoKbps: Math.max(base?.peakVideoKbps ?? 0, this.peakVideoKbps),
      width: this.source.width ?? base?.width ?? null,
      height: this.source.height ?? base?.height ?? null,
      fps: m?.hasVideo ? m.fps : (base?.fps ?? null),
      videoCodec: this.source.videoCodec ?? base?.videoCodec ?? null,
      audioCodec: this.source.audioCodec ?? base?.audioCodec ?? null,
      keyframeIntervalSeconds: m?.keyframeIntervalSeconds ?? base?.keyframeIntervalSeconds ?? null,
      starvedSeconds: (base?.starvedSeconds ?? 0) + this.tracker.snapshot.starvedSeconds,
      updatedAt: updatedAt.toISOString(),
    };
  }
}
