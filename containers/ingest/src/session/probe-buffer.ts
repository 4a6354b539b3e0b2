/**
 * Collects the first seconds of a publish so the source can be probed before the ladder is planned.
 * `quickReady` once the first keyframe and a few frames after it were seen (`quickFrames`, or
 * `quickMs` of media): enough for the metadata, the sequence headers and a frame rate, which is what a
 * fast start plans from (core/transcode/fast-start.ts). `ready` (the classic probe) two video keyframes were seen (the keyframe interval is then measurable), once the media
 * spans `maxMediaMs` (audio-only sources, or keyframes too far apart for passthrough anyway), or once
 * `maxBytes` is reached. Everything collected is replayed into the transcoder, so nothing is lost.
 * `measuredVideo` reads from the video tags themselves what ffprobe would measure of the same bytes (the
 * keyframe interval, the bitrate over whole GOPs, the frame rate), so a passthrough stream whose publisher
 * declares the rest needs no ffprobe process (session/live-session.ts).
 */
import { inspectFlvTags } from '../rtmp/flv-tap';
import { keyframeInterval, observedRate, typicalFrameSeconds, videoBitrate, type TimedPacket } from '../transcoder/source-probe';

export interface ProbeBufferOptions {
  maxMediaMs: number;
  maxBytes: number;
  /** Video frames from the first keyframe (itself included) that make `quickReady`. Default 6. */
  quickFrames?: number;
  /** Or this much media after the first keyframe. Default 500. */
  quickMs?: number;
}

export class ProbeBuffer {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private keyframes = 0;
  private firstMs: number | undefined;
  private firstKeyframeMs: number | undefined;
  private lastMs = 0;
  private framesFromKeyframe = 0;
  /** Video frames (not sequence headers): timestamp (ms, decode order), payload bytes, keyframe. */
  private readonly frames: Array<{ ms: number; bytes: number; key: boolean }> = [];

  constructor(private readonly options: ProbeBufferOptions) {}

  /** Adds a chunk; returns true once enough has been seen to probe. */
  add(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    for (const tag of inspectFlvTags(chunk)) {
      if (tag.type === 'script') continue;
      this.firstMs ??= tag.timestampMs;
      this.lastMs = Math.max(this.lastMs, tag.timestampMs);
      if (tag.keyframe) {
        this.keyframes++;
        this.firstKeyframeMs ??= tag.timestampMs;
      }
      if (tag.type === 'video' && !tag.config && this.firstKeyframeMs !== undefined) this.framesFromKeyframe++;
      // The AVC tag's 5-byte header (frame type, packet type, composition time) is not in the packet.
      if (tag.type === 'video' && !tag.config) this.frames.push({ ms: tag.timestampMs, bytes: Math.max(0, tag.bytes - 5), key: tag.keyframe });
    }
    return this.ready;
  }

  get sawKeyframe(): boolean {
    return this.firstKeyframeMs !== undefined;
  }

  /** The first keyframe and a few frames after it: enough for ffprobe to plan a fast start. */
  get quickReady(): boolean {
    if (this.firstKeyframeMs === undefined) return false;
    return this.framesFromKeyframe >= (this.options.quickFrames ?? 6) || this.lastMs - this.firstKeyframeMs >= (this.options.quickMs ?? 500) || this.bytes >= this.options.maxBytes;
  }

  get ready(): boolean {
    const span = this.firstMs === undefined ? 0 : this.lastMs - this.firstMs;
    return this.keyframes >= 2 || span >= this.options.maxMediaMs || this.bytes >= this.options.maxBytes;
  }

  /**
   * With only one keyframe seen, the GOP is at least as long as the media after it: a lower bound that
   * lets the ladder say why it encodes a long-GOP source instead of "unknown".
   */
  get keyframeIntervalLowerBoundSeconds(): number | undefined {
    if (this.keyframes !== 1 || this.firstKeyframeMs === undefined) return undefined;
    return (this.lastMs - this.firstKeyframeMs) / 1000;
  }

  /**
   * With two keyframes seen: the longest keyframe interval (or the GOP still open at the end, when longer),
   * the bitrate over the whole GOPs between the first and last keyframe, and the frame rate over the
   * frames' timestamps, the way source-probe.ts measures ffprobe's packet list. Undefined before that.
   */
  measuredVideo(): { keyframeIntervalSeconds: number; bitrateKbps: number; fps: number | undefined } | undefined {
    // FLV tag times are decode times: the same packets ffprobe would list, measured by the same functions.
    const packets: TimedPacket[] = this.frames.map((f) => ({ pts: f.ms / 1000, dts: f.ms / 1000, size: f.bytes, key: f.key })).sort((a, b) => a.pts - b.pts);
    const keys = packets.filter((p) => p.key);
    if (keys.length < 2 || !(keys[keys.length - 1]!.pts > keys[0]!.pts)) return undefined;
    return {
      keyframeIntervalSeconds: keyframeInterval(packets) as number,
      bitrateKbps: videoBitrate(packets, typicalFrameSeconds(packets)) as number,
      fps: observedRate(packets),
    };
  }

  get hasMedia(): boolean {
    return this.firstMs !== undefined;
  }

  /** All bytes so far, in order (for the probe and for priming the transcoder). */
  contents(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
