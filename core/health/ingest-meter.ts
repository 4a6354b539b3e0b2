/**
 * Measures a live feed from the media that actually arrives (FLV tags as the ingest taps them), not from
 * what the encoder claims in its metadata: video and audio bitrate over 1 s and 10 s of media time, frame
 * rate, keyframe interval, timestamp gaps and audio/video drift. Pure: every call gets the arrival time
 * (`nowMs`, any monotonic millisecond clock), nothing here reads a clock or starts a timer.
 *
 * Must never: grow without bound (it keeps at most the last `windowMs` of tags), or report a bitrate for
 * media that stopped arriving (windows end at the media time "now" would have reached).
 */

export interface MeteredTag {
  type: 'audio' | 'video';
  /** The tag's media timestamp, milliseconds. */
  timestampMs: number;
  /** Payload bytes of the tag. */
  bytes: number;
  keyframe: boolean;
}

export interface IngestMeasurement {
  videoKbps: number;
  videoKbps10s: number;
  audioKbps: number;
  audioKbps10s: number;
  fps: number;
  /** Media time between the last two keyframes (or since the last one, if that is longer). */
  keyframeIntervalSeconds: number | undefined;
  /** Jumps of more than `gapMs` between consecutive video (or audio) timestamps within the last 10 s. */
  timestampGaps: number;
  /** |last video timestamp − last audio timestamp| when both are present, milliseconds. */
  avDriftMs: number | undefined;
  /** Arrival time since the last tag; undefined before any media. */
  sinceLastMediaMs: number | undefined;
  hasVideo: boolean;
  hasAudio: boolean;
}

interface Sample {
  type: 'audio' | 'video';
  ts: number;
  bytes: number;
}

export interface IngestMeterOptions {
  /** Longest window kept. Default 10 000. */
  windowMs?: number;
  /** A jump between consecutive timestamps larger than this is a gap. Default 1000. */
  gapMs?: number;
}

export class IngestMeter {
  private samples: Sample[] = [];
  /** First sample still inside the window: samples before it are dropped in batches, not on every tag. */
  private head = 0;
  private lastArrivalMs: number | undefined;
  private lastTs: { audio?: number; video?: number } = {};
  private keyframes: number[] = [];
  private gaps: number[] = [];
  private readonly windowMs: number;
  private readonly gapMs: number;
  /** Media time of the newest tag (monotonic: out-of-order tags do not move it back). */
  private headTs: number | undefined;
  private totalVideoBytes = 0;
  private totalAudioBytes = 0;

  constructor(options: IngestMeterOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.gapMs = options.gapMs ?? 1_000;
  }

  /** Bytes of video and audio payload seen so far (for session summaries). */
  get totals(): { videoBytes: number; audioBytes: number } {
    return { videoBytes: this.totalVideoBytes, audioBytes: this.totalAudioBytes };
  }

  add(tag: MeteredTag, nowMs: number): void {
    const previous = this.lastTs[tag.type];
    if (previous !== undefined && Math.abs(tag.timestampMs - previous) > this.gapMs) this.gaps.push(tag.timestampMs);
    this.lastTs[tag.type] = tag.timestampMs;
    this.lastArrivalMs = nowMs;
    this.headTs = this.headTs === undefined ? tag.timestampMs : Math.max(this.headTs, tag.timestampMs);
    this.samples.push({ type: tag.type, ts: tag.timestampMs, bytes: tag.bytes });
    if (tag.type === 'video') this.totalVideoBytes += tag.bytes;
    else this.totalAudioBytes += tag.bytes;
    if (tag.type === 'video' && tag.keyframe) {
      this.keyframes.push(tag.timestampMs);
      if (this.keyframes.length > 3) this.keyframes.shift();
    }
    this.trim();
  }

  /**
   * A new tap replays from the latest keyframe (a transcoder restart): timestamps repeat. Forget the
   * per-type timestamps so the replay is not counted as gaps, keep the windows.
   */
  replayed(): void {
    this.lastTs = {};
  }

  /** Arrival time since the last tag; undefined before any media. Cheap: no window is walked. */
  sinceLastMediaMs(nowMs: number): number | undefined {
    return this.lastArrivalMs === undefined ? undefined : Math.max(0, nowMs - this.lastArrivalMs);
  }

  measure(nowMs: number): IngestMeasurement {
    const sinceLastMediaMs = this.sinceLastMediaMs(nowMs);
    // Media time "now" has reached: the newest tag plus the arrival time since. Media that stopped
    // arriving falls out of the windows instead of freezing the last figures.
    const nowTs = this.headTs === undefined ? 0 : this.headTs + (sinceLastMediaMs ?? 0);
    const fpsSpanMs = 2_000;
    const bytes = { video1s: 0, videoWindow: 0, audio1s: 0, audioWindow: 0 };
    let frames = 0;
    let hasVideo = false;
    let hasAudio = false;
    // One pass over the kept samples (this runs on every health tick of every live stream).
    for (let i = this.head; i < this.samples.length; i++) {
      const s = this.samples[i]!;
      if (s.type === 'video') hasVideo = true;
      else hasAudio = true;
      if (s.ts > nowTs) continue;
      const age = nowTs - s.ts;
      if (s.type === 'video') {
        if (age < 1_000) bytes.video1s += s.bytes;
        if (age < this.windowMs) bytes.videoWindow += s.bytes;
        if (age < fpsSpanMs) frames++;
      } else {
        if (age < 1_000) bytes.audio1s += s.bytes;
        if (age < this.windowMs) bytes.audioWindow += s.bytes;
      }
    }
    const kbps = (n: number, spanMs: number) => Math.round((n * 8) / spanMs);
    const k = this.keyframes;
    let keyframeIntervalSeconds: number | undefined;
    if (k.length >= 2) keyframeIntervalSeconds = (k[k.length - 1]! - k[k.length - 2]!) / 1000;
    if (k.length >= 1 && this.lastTs.video !== undefined) {
      const since = (nowTs - k[k.length - 1]!) / 1000;
      // Only a lower bound, but a long GOP must show before its second keyframe arrives.
      if (keyframeIntervalSeconds === undefined ? since >= 1 : since > keyframeIntervalSeconds) keyframeIntervalSeconds = since;
    }
    const { audio, video } = this.lastTs;
    return {
      videoKbps: kbps(bytes.video1s, 1_000),
      videoKbps10s: kbps(bytes.videoWindow, this.windowMs),
      audioKbps: kbps(bytes.audio1s, 1_000),
      audioKbps10s: kbps(bytes.audioWindow, this.windowMs),
      fps: Math.round((frames / (fpsSpanMs / 1000)) * 10) / 10,
      keyframeIntervalSeconds: keyframeIntervalSeconds === undefined ? undefined : Math.round(keyframeIntervalSeconds * 100) / 100,
      timestampGaps: this.gaps.filter((ts) => ts > nowTs - this.windowMs).length,
      avDriftMs: audio !== undefined && video !== undefined ? Math.abs(video - audio) : undefined,
      sinceLastMediaMs,
      hasVideo,
      hasAudio,
    };
  }

  private trim(): void {
    if (this.headTs === undefined) return;
    const from = this.headTs - this.windowMs - 1_000;
    while (this.head < this.samples.length && this.samples[this.head]!.ts < from) this.head++;
    // Runs once per tag: compact only when the dropped part outweighs the kept one (amortised O(1)).
    if (this.head > 256 && this.head * 2 > this.samples.length) {
      this.samples = this.samples.slice(this.head);
      this.head = 0;
    }
    if (this.gaps.length > 100) this.gaps = this.gaps.slice(-100);
  }
}
