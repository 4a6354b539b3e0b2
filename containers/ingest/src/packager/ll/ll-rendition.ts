/**
 * One rendition of a low-latency session, without I/O: fragments in (one per frame or so, from
 * fmp4.ts), parts and segments out, and the playlist of the rendition as it stands. A part closes before
 * it would pass PART-TARGET and at every keyframe; a segment closes at the first keyframe after
 * `segmentSeconds` (less a tenth, so a keyframe a hair early still cuts). Part names count up across
 * segments (`<run>-<n>.m4s`), so the preload hint always names exactly the next part.
 * Must never: publish a part longer than the part target (a lone frame longer than it is the only way,
 * and then the target is wrong for the source), reuse a name, or lower a sequence number.
 */
import { writeLlMediaPlaylist, type LlPart, type LlPendingSegment, type LlRenditionReport, type LlSegment } from '../../../../../core/hls/ll-playlist';
import type { Fragment } from './fmp4';

export interface LlRenditionOptions {
  partTarget: number;
  segmentSeconds: number;
  /** Complete segments kept in the playlist. */
  liveWindow: number;
}

export type LlOutput =
  /** A part was opened (its name is now the preload hint): `bytes` follow as `part-data`. */
  | { kind: 'part-open'; uri: string }
  | { kind: 'part-data'; uri: string; bytes: Buffer }
  | { kind: 'part'; uri: string; bytes: Buffer; part: LlPart; sequence: number; index: number }
  | { kind: 'segment'; uri: string; bytes: Buffer; segment: LlSegment };

interface OpenPart {
  uri: string;
  chunks: Buffer[];
  duration: number;
  independent: boolean;
}

interface OpenSegment {
  sequence: number;
  discontinuitySequence: number;
  discontinuity: boolean;
  mapUri: string;
  parts: Array<LlPart & { bytes: Buffer }>;
  duration: number;
}

/** Files of a rendition's low-latency output, next to its playlist (`live/<stream>/<rendition>/`). */
export const LL_PLAYLIST_FILE = 'll.m3u8';
export const llInitFile = (run: number) => `ll-init-${run}.mp4`;
export const llPartFile = (run: number, n: number) => `ll-${run}-${n}.m4s`;
export const llSegmentFile = (sequence: number) => `ll-${sequence}.m4s`;

export class LlRendition {
  private readonly segments: LlSegment[] = [];
  private open: OpenSegment | undefined;
  private part: OpenPart | undefined;
  private run = { id: 0, nextPart: 0, mapUri: '', firstSegment: true, discontinuity: false };
  private nextSequence: number;
  private discontinuitySequence: number;
  private targetDuration: number;
  private lastFrame = 0;
  private ended = false;

  constructor(private readonly options: LlRenditionOptions, resume: { nextSequence: number; discontinuitySequence: number; targetDuration?: number }) {
    this.nextSequence = resume.nextSequence;
    this.discontinuitySequence = resume.discontinuitySequence;
    this.targetDuration = Math.max(1, resume.targetDuration ?? Math.round(options.segmentSeconds));
  }

  /**
   * A new ffmpeg run starting at `base` (the same for every rendition, at least this one's next number,
   * which also names the run's files): its init section, and a discontinuity unless nothing came before.
   */
  beginRun(base: number, discontinuitySequence: number, hasHistory: boolean): string {
    if (base < this.sequenceAfter) throw new RangeError(`run base ${base} is below the next sequence ${this.sequenceAfter}`);
    this.nextSequence = base;
    this.discontinuitySequence = Math.max(this.discontinuitySequence, discontinuitySequence);
    this.run = { id: base, nextPart: 0, mapUri: llInitFile(base), firstSegment: true, discontinuity: hasHistory };
    return this.run.mapUri;
  }

  get sequenceAfter(): number {
    return this.open ? this.open.sequence + 1 : this.nextSequence;
  }

  /** Where the newest part is, for other renditions' EXT-X-RENDITION-REPORT. */
  get lastPart(): { msn: number; part: number } | undefined {
    if (this.open && this.open.parts.length > 0) return { msn: this.open.sequence, part: this.open.parts.length - 1 };
    const last = this.segments.at(-1);
    return last ? { msn: last.sequence, part: Math.max(0, last.parts.length - 1) } : undefined;
  }

  get hasMedia(): boolean {
    return this.segments.length > 0 || (this.open?.parts.length ?? 0) > 0;
  }

  get discontinuitySequenceNow(): number {
    return this.discontinuitySequence;
  }

  push(f: Fragment): LlOutput[] {
    const out: LlOutput[] = [];
    const { partTarget, segmentSeconds } = this.options;
    const video = f.duration > 0;
    if (video && f.keyframe && this.open && this.open.duration + this.partDuration() >= segmentSeconds * 0.9) {
      if (this.partDuration() > 0) this.closePart(out);
      this.closeSegment(out);
    } else if (video && f.keyframe && this.partDuration() > 0) {
      this.closePart(out); // a keyframe starts an independent part
    } else if (video && this.partDuration() > 0 && this.partDuration() + f.duration > partTarget + 1e-9) {
      this.closePart(out);
    }
    if (!this.open) this.openSegment();
    if (!this.part) this.openPart(out, f.keyframe && video);
    const part = this.part as OpenPart;
    part.chunks.push(f.bytes);
    part.duration += f.duration;
    out.push({ kind: 'part-data', uri: part.uri, bytes: f.bytes });
    if (video) this.lastFrame = f.duration;
    // The next frame would not fit: close now rather than one frame later.
    if (video && part.duration + this.lastFrame > partTarget + 1e-9) this.closePart(out);
    return out;
  }

  /** The run (or session) is over: what is open becomes the last part and segment. */
  finish(): LlOutput[] {
    const out: LlOutput[] = [];
    if (this.partDuration() > 0) this.closePart(out);
    else this.part = undefined; // audio after the last frame: nothing to time it by
    if (this.open && this.open.parts.length > 0) this.closeSegment(out);
    this.open = undefined;
    return out;
  }

  end(): void {
    this.ended = true;
  }

  /** The playlist as it stands; undefined until the rendition has a part. */
  playlist(reports: ReadonlyArray<LlRenditionReport>): string | undefined {
    if (!this.hasMedia) return undefined;
    const pending: LlPendingSegment | undefined = this.open && this.open.parts.length > 0
      ? { sequence: this.open.sequence, discontinuitySequence: this.open.discontinuitySequence, discontinuity: this.open.discontinuity, mapUri: this.open.mapUri, parts: this.open.parts.map(stripBytes) }
      : undefined;
    const hint = this.ended ? undefined : this.part?.uri ?? llPartFile(this.run.id, this.run.nextPart);
    return writeLlMediaPlaylist({
      targetDuration: this.targetDuration,
      partTarget: this.options.partTarget,
      segments: this.segments,
      ...(pending ? { pending } : {}),
      ...(hint ? { preloadHintUri: hint } : {}),
      renditionReports: reports,
      endList: this.ended,
    });
  }

  private partDuration(): number {
    return this.part?.duration ?? 0;
  }

  private openSegment(): void {
    const discontinuity = this.run.firstSegment && this.run.discontinuity;
    if (discontinuity) this.discontinuitySequence += 1;
    this.open = { sequence: this.nextSequence++, discontinuitySequence: this.discontinuitySequence, discontinuity, mapUri: this.run.mapUri, parts: [], duration: 0 };
    this.run.firstSegment = false;
  }

  private openPart(out: LlOutput[], independent: boolean): void {
    const uri = llPartFile(this.run.id, this.run.nextPart++);
    this.part = { uri, chunks: [], duration: 0, independent: independent || (this.open?.parts.length ?? 0) === 0 };
    out.push({ kind: 'part-open', uri });
  }

  private closePart(out: LlOutput[]): void {
    const part = this.part;
    const seg = this.open;
    if (!part || !seg) return;
    this.part = undefined;
    const bytes = Buffer.concat(part.chunks);
    const entry = { uri: part.uri, duration: part.duration, independent: part.independent };
    seg.parts.push({ ...entry, bytes });
    seg.duration += part.duration;
    out.push({ kind: 'part', uri: part.uri, bytes, part: entry, sequence: seg.sequence, index: seg.parts.length - 1 });
  }

  private closeSegment(out: LlOutput[]): void {
    const seg = this.open;
    if (!seg) return;
    this.open = undefined;
    const segment: LlSegment = {
      sequence: seg.sequence,
      uri: llSegmentFile(seg.sequence),
      duration: seg.duration,
      discontinuitySequence: seg.discontinuitySequence,
      ...(seg.discontinuity ? { discontinuity: true } : {}),
      mapUri: seg.mapUri,
      parts: seg.parts.map(stripBytes),
    };
    this.targetDuration = Math.max(this.targetDuration, Math.round(segment.duration));
    this.segments.push(segment);
    while (this.segments.length > this.options.liveWindow) this.segments.shift();
    out.push({ kind: 'segment', uri: segment.uri, bytes: Buffer.concat(seg.parts.map((p) => p.bytes)), segment });
  }
}

function stripBytes(p: LlPart & { bytes?: Buffer }): LlPart {
  return { uri: p.uri, duration: p.duration, independent: p.independent };
}
