/**
 * Server-side stage times for `npm run bench:latency`, observed from outside the plane so the bench
 * measures what a viewer could: when each segment was closed on scratch (ffmpeg's segment list, read
 * every 40 ms, with the segment's end in source media time) and when each segment / part first appeared
 * in its rendition's playlist over HTTP (polled every 40 ms: ±20 ms, light enough not to slow the plane
 * whose process it shares). Sequence numbers of a fresh stream start at 0 and follow the segment lists'
 * lines in order (runs of a session in run order).
 * Must never write anything, or hold a file open between polls (ffmpeg owns the segment lists).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLlMediaPlaylist } from '../core/hls/ll-playlist';
import { parseMediaPlaylist } from '../core/hls/playlist';

const POLL_MS = 40;

export interface SegmentTimes {
  /** Source media time (s) of the segment's start and end, from the segment list. */
  start?: number;
  end?: number;
  closedAt?: number;
  listedAt?: number;
  /** From the playlist (EXTINF). */
  duration?: number;
  /** low: when each part (index) first appeared in ll.m3u8, and its duration. */
  parts: Map<number, { listedAt: number; duration: number }>;
}

export class StageRecorder {
  /** rendition → sequence → times */
  readonly segments = new Map<string, Map<number, SegmentTimes>>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private runDirs: string[] = [];
  private lastScan = 0;

  constructor(
    private readonly scratchRoot: string,
    private readonly streamId: string,
    private readonly renditions: string[],
    private readonly playlistUrl: (rendition: string) => string,
    private readonly low: boolean,
  ) {
    for (const r of renditions) this.segments.set(r, new Map());
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.tick().finally(() => (this.busy = false));
    }, POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  times(rendition: string, sequence: number): SegmentTimes {
    const map = this.segments.get(rendition) as Map<number, SegmentTimes>;
    let t = map.get(sequence);
    if (!t) map.set(sequence, (t = { parts: new Map() }));
    return t;
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    await Promise.all([this.readSegmentLists(now), ...this.renditions.map((r) => this.readPlaylist(r, now))]);
  }

  private async readSegmentLists(now: number): Promise<void> {
    if (now - this.lastScan > 500) {
      this.lastScan = now;
      const sessionRoot = join(this.scratchRoot, this.streamId);
      const sessions = await readdir(sessionRoot).catch(() => [] as string[]);
      const dirs: string[] = [];
      for (const s of sessions.sort()) {
        const runs = await readdir(join(sessionRoot, s)).catch(() => [] as string[]);
        for (const run of runs.filter((r) => /^run-\d+$/.test(r)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))) dirs.push(join(sessionRoot, s, run));
      }
      if (dirs.length >= this.runDirs.length) this.runDirs = dirs;
    }
    for (const r of this.renditions) {
      let sequence = 0;
      for (const dir of this.runDirs) {
        const text = await readFile(join(dir, r, 'segments.csv'), 'utf8').catch(() => '');
        for (const line of text.split('\n')) {
          const m = /^[^,]+,([0-9.]+),([0-9.]+)$/.exec(line.trim());
          if (!m) continue;
          const t = this.times(r, sequence++);
          if (t.closedAt === undefined) Object.assign(t, { closedAt: now, start: Number(m[1]), end: Number(m[2]) });
        }
      }
    }
  }

  private async readPlaylist(rendition: string, now: number): Promise<void> {
    const response = await fetch(this.playlistUrl(rendition)).catch(() => undefined);
    if (!response || response.status !== 200) return;
    const text = await response.text();
    try {
      if (!this.low) {
        const p = parseMediaPlaylist(text);
        p.segments.forEach((s, i) => {
          const t = this.times(rendition, p.mediaSequence + i);
          t.listedAt ??= now;
          t.duration ??= s.duration;
        });
        return;
      }
      const p = parseLlMediaPlaylist(text);
      const note = (sequence: number, parts: Array<{ duration: number }>) => {
        const t = this.times(rendition, sequence);
        parts.forEach((part, i) => {
          if (!t.parts.has(i)) t.parts.set(i, { listedAt: now, duration: part.duration });
        });
        return t;
      };
      for (const s of p.segments) {
        const t = note(s.sequence, s.parts);
        t.listedAt ??= now;
        t.duration ??= s.duration;
      }
      const last = p.segments[p.segments.length - 1];
      note(last ? last.sequence + 1 : p.mediaSequence, p.pendingParts);
    } catch {
      // A playlist caught mid-write cannot happen (objects are replaced whole); a parse error is skipped.
    }
  }

  /** Source media time of a segment's start: from its segment list line, else the sum of the EXTINFs before it. */
  mediaStart(rendition: string, sequence: number): number | undefined {
    const t = this.segments.get(rendition)?.get(sequence);
    if (t?.start !== undefined) return t.start;
    let sum = 0;
    for (let s = 0; s < sequence; s++) {
      const d = this.segments.get(rendition)?.get(s)?.duration;
      if (d === undefined) return undefined;
      sum += d;
    }
    return sum;
  }
}
