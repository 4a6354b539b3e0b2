/**
 * The live state of one rendition's media playlist: its window of segments and the next sequence number
 * it may publish. Pure bookkeeping, no I/O. Guarantees what players rely on: sequence numbers only grow,
 * the window is always consecutive, and each segment keeps its discontinuity number while it slides out.
 * Must never put a sequence number into the window twice or go back.
 */
import { mediaPlaylistFromWindow, writeMediaPlaylist, type LiveSegment, type SegmentByteRange } from '../../../../core/hls/playlist';
import { segmentFile } from '../../../../core/media/layout';

export interface TrackEntry {
  sequence: number;
  duration: number;
  /** The discontinuity domain (one per transcoder run) the segment belongs to. */
  discontinuitySequence: number;
  gap?: boolean;
  programDateTime?: string;
  /**
   * The segment is stored inside a segment round object (core/media/layout.ts): the playlist names that
   * object's URI (relative to `live/<streamId>/<rendition>/`) with this byte range, not `uriOf(entry)`.
   */
  inRound?: { uri: string; byteRange: SegmentByteRange };
}

/** What a position that this rendition lacks looks like, borrowed from renditions that have it. */
export type GapFiller = (sequence: number) => Omit<TrackEntry, 'sequence' | 'gap'>;

/** The URI a playlist names a segment by (it depends on where the segment is stored: see core/media/layout.ts). */
export type SegmentUriOf = (entry: TrackEntry) => string;

export class RenditionTrack {
  private window: LiveSegment[];
  private last: { sequence: number; discontinuitySequence: number } | undefined;
  /** The lowest sequence number this rendition may still publish. */
  nextSequence: number;
  /** Set when the window changed and the stored playlist does not show it yet. */
  dirty = false;

  constructor(
    readonly name: string,
    private readonly liveWindow: number,
    resumed?: { window: ReadonlyArray<LiveSegment>; nextSequence: number; last?: { sequence: number; discontinuitySequence: number } },
    private readonly uriOf: SegmentUriOf = (entry) => segmentFile(entry),
  ) {
    this.window = [...(resumed?.window ?? [])];
    this.nextSequence = resumed?.nextSequence ?? 0;
    const tail = this.window.at(-1);
    this.last = tail ? { sequence: tail.sequence, discontinuitySequence: tail.discontinuitySequence } : resumed?.last;
  }

  get hasSegments(): boolean {
    return this.window.length > 0;
  }

  get lastSequence(): number | undefined {
    return this.last?.sequence;
  }

  /**
   * Adds `entry`, first filling skipped positions with EXT-X-GAP entries so that sequence N means the same
   * time span in every rendition. An empty window, or a jump of a whole window or more, starts a fresh
   * window instead: a playlist of nothing but gaps helps no player. Returns the gap positions added and whether `entry`
   * starts a new discontinuity domain in this playlist.
   */
  append(entry: TrackEntry, fill: GapFiller): { gapSequences: number[]; discontinuity: boolean } {
    if (!Number.isSafeInteger(entry.sequence) || entry.sequence < this.nextSequence) {
      throw new RangeError(`rendition ${this.name}: sequence ${entry.sequence} is below the next free sequence ${this.nextSequence}`);
    }
    const gapSequences: number[] = [];
    // Gaps only keep a window consecutive: an empty window simply starts at the segment.
    if (this.window.length === 0 || entry.sequence - this.nextSequence >= this.liveWindow) {
      this.window = [];
    } else {
      for (let seq = this.nextSequence; seq < entry.sequence; seq++) {
        this.push({ ...fill(seq), sequence: seq, gap: true });
        gapSequences.push(seq);
      }
    }
    const segment = this.push(entry);
    return { gapSequences, discontinuity: segment.discontinuity };
  }

  /** The media playlist text for the current window. Throws if nothing was ever published. */
  render(options: { targetDuration: number; endList?: boolean }): string {
    return writeMediaPlaylist(mediaPlaylistFromWindow(this.window, { targetDuration: options.targetDuration, endList: options.endList ?? false }));
  }

  /** Durations in the window (the target duration must cover them). */
  durations(): number[] {
    return this.window.map((s) => s.duration);
  }

  private push(entry: TrackEntry): LiveSegment {
    const prev = this.window.at(-1);
    // One EXT-X-DISCONTINUITY raises the number by exactly one, and the window must be consecutive: when
    // history cannot be expressed that way (a lost stretch, a resumed odd state), start a fresh window.
    if (prev && (prev.sequence + 1 !== entry.sequence || entry.discontinuitySequence > prev.discontinuitySequence + 1 || entry.discontinuitySequence < prev.discontinuitySequence)) {
      this.window = [];
    }
    const before = this.window.at(-1) ?? this.last;
    const discontinuity = entry.discontinuitySequence > 0 && (before ? entry.discontinuitySequence !== before.discontinuitySequence : true);
    const segment: LiveSegment = {
      sequence: entry.sequence,
      uri: entry.inRound && !entry.gap ? entry.inRound.uri : this.uriOf(entry),
      duration: entry.duration,
      discontinuitySequence: entry.discontinuitySequence,
      discontinuity,
    };
    if (entry.gap) segment.gap = true;
    if (entry.programDateTime !== undefined) segment.programDateTime = entry.programDateTime;
    if (entry.inRound && !entry.gap) segment.byteRange = { ...entry.inRound.byteRange };
    this.window.push(segment);
    if (this.window.length > this.liveWindow) this.window.splice(0, this.window.length - this.liveWindow);
    this.last = { sequence: entry.sequence, discontinuitySequence: entry.discontinuitySequence };
    this.nextSequence = entry.sequence + 1;
    this.dirty = true;
    return segment;
  }
}
