/**
 * Fast start: plan the ladder from what the first keyframe tells (codecs, size, frame rate, declared
 * bitrate: the FLV metadata and sequence headers, via a probe of well under a second of media) instead of
 * waiting for a second keyframe to measure the GOP. When only the keyframe interval is missing for a
 * passthrough top rung, the plan is provisional: it assumes keyframes at most one segment apart, and
 * `KeyframeWatch` says, before the transcoder could cut its first segment, whether that held. If it did
 * not, `refineProvisional` re-encodes the top rung under the same advertised attributes (name, codecs,
 * bandwidth), so the master playlist viewers get never differs from the one planned first.
 * Pure: no I/O, no clock.
 *
 * Must never: return a provisional plan whose assumption could not be checked by `KeyframeWatch`, or a
 * refined plan whose renditions differ in name or order from the provisional one.
 */
import { DEFAULT_SEGMENT_SECONDS, planLadder, type LadderOptions, type LadderPlan, type Rendition, type SourceInfo } from './ladder';

export type FastStartPlan =
  /** Nothing the keyframe interval could change: start with this plan. */
  | { kind: 'final'; plan: LadderPlan }
  /** Start with this plan; it holds if the source's keyframes are at most `segmentSeconds` apart. */
  | { kind: 'provisional'; plan: LadderPlan; segmentSeconds: number }
  /** Too little is known (a passthrough candidate without a declared bitrate): probe the classic way. */
  | { kind: 'wait'; reason: string };

/** The GOP tolerance of the passthrough verdict (core/transcode/ladder.ts): 29.97 fps GOPs last 2.002 s. */
const GOP_TOLERANCE = 1.01;

/** What to start with, given a source probed from its first keyframe (keyframe interval unknown). */
export function planFastStart(source: SourceInfo, options: LadderOptions = {}): FastStartPlan {
  const video = source.video;
  if (!video || video.keyframeIntervalSeconds !== undefined) return { kind: 'final', plan: planLadder(source, options) };
  const segmentSeconds = options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  const assumed = planLadder({ ...source, video: { ...video, keyframeIntervalSeconds: segmentSeconds } }, options);
  if (assumed.topRung === 'passthrough') return { kind: 'provisional', plan: assumed, segmentSeconds };
  if (video.bitrateKbps === undefined) {
    const withRate = planLadder({ ...source, video: { ...video, keyframeIntervalSeconds: segmentSeconds, bitrateKbps: 1 } }, options);
    if (withRate.topRung === 'passthrough') return { kind: 'wait', reason: 'the source declares no bitrate: the passthrough verdict needs a measured GOP' };
  }
  // Encoded everywhere for a reason the GOP cannot change: encoded rungs set their own keyframes.
  return { kind: 'final', plan: planLadder(source, options) };
}

/**
 * The plan once the keyframe interval is known (exact, or a lower bound already too long): undefined when
 * the provisional plan stands, else every rung encoded, keeping what the master playlist advertises.
 */
export function refineProvisional(source: SourceInfo, options: LadderOptions, provisional: LadderPlan, keyframeIntervalSeconds: number): LadderPlan | undefined {
  const video = source.video;
  if (!video) return undefined;
  const actual = planLadder({ ...source, video: { ...video, keyframeIntervalSeconds } }, options);
  if (actual.topRung === 'passthrough') return undefined;
  const byName = new Map(provisional.renditions.map((r) => [r.name, r]));
  const renditions = actual.renditions.map((r): Rendition => {
    const advertised = byName.get(r.name);
    if (!advertised) return r;
    if (!advertised.passthrough || r.passthrough) return advertised;
    // The encoded stand-in of the copied rung: the advertised codecs (profile, level) and a VBV cap that
    // keeps its peak within the advertised BANDWIDTH.
    const cap = Math.max(50, Math.round((advertised.videoBitrateKbps ?? r.maxrateKbps ?? 0) * 1.25));
    const maxrate = Math.min(r.maxrateKbps ?? cap, cap);
    return { ...r, codecs: advertised.codecs, bandwidth: advertised.bandwidth, averageBandwidth: advertised.averageBandwidth, maxrateKbps: maxrate, bufsizeKbps: Math.round(maxrate * 1.5), videoBitrateKbps: Math.min(r.videoBitrateKbps ?? maxrate, maxrate) };
  });
  if (renditions.map((r) => r.name).join() !== provisional.renditions.map((r) => r.name).join()) return undefined;
  return { ...actual, renditions, reason: `${actual.reason} (found after a fast start; the advertised renditions are kept)` };
}

/** One FLV media tag, as far as the keyframe watch needs it. */
export interface WatchedTag {
  type: 'audio' | 'video' | 'script';
  timestampMs: number;
  keyframe: boolean;
  config: boolean;
}

/**
 * Follows video tags from the first keyframe and answers once the first GOP's length is known: at the
 * second keyframe (exact), or at the first frame more than a segment (+1 %) after the first keyframe
 * with none in between (a lower bound, already too long). Either comes before a transcoder fed the same
 * tags can close its first segment, which needs that second keyframe.
 */
export class KeyframeWatch {
  private firstKeyframeMs: number | undefined;
  private answer: number | undefined;

  constructor(private readonly segmentSeconds: number) {}

  /** Seconds between the first two keyframes (or the lower bound), once known. */
  get keyframeIntervalSeconds(): number | undefined {
    return this.answer;
  }

  observe(tag: WatchedTag): number | undefined {
    if (this.answer !== undefined || tag.type !== 'video' || tag.config) return this.answer;
    if (this.firstKeyframeMs === undefined) {
      if (tag.keyframe) this.firstKeyframeMs = tag.timestampMs;
      return undefined;
    }
    const sinceMs = tag.timestampMs - this.firstKeyframeMs;
    if (tag.keyframe && sinceMs > 0) this.answer = sinceMs / 1000;
    else if (sinceMs > this.segmentSeconds * GOP_TOLERANCE * 1000) this.answer = sinceMs / 1000;
    return this.answer;
  }
}
