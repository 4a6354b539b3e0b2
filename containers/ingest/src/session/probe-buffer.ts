/**
 * Collects the first seconds of a publish so the source can be probed before the ladder is planned.
 * Ready once two video keyframes were seen (the keyframe interval is then measurable), once the media
 * spans `maxMediaMs` (audio-only sources, or keyframes too far apart for passthrough anyway), or once
 * `maxBytes` is reached. Everything collected is replayed into the transcoder, so nothing is lost.
 */
import { inspectFlvTags } from '../rtmp/flv-tap';

export interface ProbeBufferOptions {
  maxMediaMs: number;
  maxBytes: number;
}

export class ProbeBuffer {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private keyframes = 0;
  private firstMs: number | undefined;
  private firstKeyframeMs: number | undefined;
  private lastMs = 0;

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
    }
    return this.ready;
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

  get hasMedia(): boolean {
    return this.firstMs !== undefined;
  }

  /** All bytes so far, in order (for the probe and for priming the transcoder). */
  contents(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
