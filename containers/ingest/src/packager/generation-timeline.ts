/**
 * The packager's timeline across transcoder runs: each ffmpeg run is a generation with its own numbering
 * base and discontinuity domain, and this tracks which domain any sequence number belongs to, the
 * program date of every run (one anchor per run, never going back across restarts), and the duration and
 * date of recent sequences so a rendition missing one can publish a matching gap. Pure bookkeeping.
 * Must never give two runs the same domain, lower a domain, or date a segment before one already dated.
 */
import type { TrackEntry } from './rendition-track';
import type { SegmentListEntry } from './segment-list';

/** One ffmpeg run: its scratch folder, where its numbering starts, and its discontinuity domain. */
export interface Generation {
  id: number;
  dir: string;
  /** Sequence number of ffmpeg's segment index 0 in this run. */
  base: number;
  /** Assigned when the run lists its first segment, so a run that produced nothing leaves no trace. */
  domain?: number;
  /** Wall-clock ms of the run's timeline zero, for EXT-X-PROGRAM-DATE-TIME. */
  anchorMs?: number;
  /** The run has ended (a newer one is attached, or detach/stop): no more lines, files are complete. */
  closed: boolean;
  /** Listed segments of this run not yet published. */
  pending: number;
}

export class GenerationTimeline {
  private count = 0;
  /** Where each run's domain starts, ascending: the discontinuity number of any sequence. */
  private readonly boundaries: Array<{ base: number; domain: number }> = [];
  private resumedDomain: number | undefined;
  private nextDomain = 0;
  /** Duration and date of recent sequences, so a rendition missing one can publish a matching gap. */
  private readonly recent = new Map<number, { duration: number; pdtMs?: number }>();
  private lastPdtEndMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly segmentSeconds: number,
    private readonly programDateTime: boolean,
  ) {}

  /** Continues after what is already published: a new run gets a domain above `lastDiscontinuitySequence`. */
  resume(lastDiscontinuitySequence: number | undefined): void {
    this.resumedDomain = lastDiscontinuitySequence;
    this.nextDomain = lastDiscontinuitySequence === undefined ? 0 : lastDiscontinuitySequence + 1;
  }

  get resumed(): boolean {
    return this.resumedDomain !== undefined;
  }

  /**
   * The discontinuity number the next run to list a segment gets. Exact for a run just opened: earlier
   * runs are closed and list nothing more, so nothing else can take it first.
   */
  get upcomingDomain(): number {
    return this.nextDomain;
  }

  /** Runs opened so far. */
  get generations(): number {
    return this.count;
  }

  /** A new run whose segment index 0 is sequence `base`. */
  open(dir: string, base: number): Generation {
    return { id: ++this.count, dir, base, closed: false, pending: 0 };
  }

  /**
   * Places a listed segment of `gen` at `sequence`: gives the run its domain on its first segment, and
   * returns the segment's program date (ms) when dates are written.
   */
  place(gen: Generation, sequence: number, entry: SegmentListEntry, nowMs: number): number | undefined {
    if (gen.domain === undefined) {
      gen.domain = this.nextDomain++;
      this.boundaries.push({ base: gen.base, domain: gen.domain });
    }
    let pdtMs: number | undefined;
    if (this.programDateTime) {
      // One anchor per run, shared by its renditions, so their dates agree; never before the last date
      // published, so dates keep increasing across restarts.
      gen.anchorMs ??= Math.max(nowMs - entry.end * 1000, this.lastPdtEndMs - entry.start * 1000);
      pdtMs = Math.round(gen.anchorMs + entry.start * 1000);
      this.lastPdtEndMs = Math.max(this.lastPdtEndMs, pdtMs + entry.duration * 1000);
    }
    if (!this.recent.has(sequence)) this.recent.set(sequence, pdtMs === undefined ? { duration: entry.duration } : { duration: entry.duration, pdtMs });
    return pdtMs;
  }

  domainOf(sequence: number): number {
    for (let i = this.boundaries.length - 1; i >= 0; i--) {
      const b = this.boundaries[i] as { base: number; domain: number };
      if (b.base <= sequence) return b.domain;
    }
    // Before this packager's first run: the last domain published before it.
    return this.resumedDomain ?? 0;
  }

  /** What a position a rendition lacks looks like, borrowed from the renditions that have it. */
  gapFiller(sequence: number): Omit<TrackEntry, 'sequence' | 'gap'> {
    const known = this.recent.get(sequence);
    const filler: Omit<TrackEntry, 'sequence' | 'gap'> = { duration: known?.duration ?? this.segmentSeconds, discontinuitySequence: this.domainOf(sequence) };
    if (known?.pdtMs !== undefined) filler.programDateTime = new Date(known.pdtMs).toISOString();
    return filler;
  }

  /** Forgets sequences below `lowest`: every rendition has moved past them. */
  forgetBefore(lowest: number): void {
    for (const seq of this.recent.keys()) if (seq < lowest) this.recent.delete(seq);
  }
}
