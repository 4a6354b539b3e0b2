/**
 * Opt-in timing trace of where a live segment's time goes, for bench:density: when
 * STREAMPLANE_SEGMENT_TRACE names a file, each published segment appends one JSON line (ffmpeg closed its
 * file, the packager noticed it listed, the upload finished, the playlist naming it was written) and,
 * every second, the plane's Node event-loop delay (perf_hooks.monitorEventLoopDelay) and how long a
 * trivial fs call took to come back in that second (a stat() every 100 ms: the wait in libuv's thread pool,
 * which every fs call of the packager and the store shares) are appended too.
 * Off (the default) it costs one branch per segment. Must never block the event loop (one buffered write
 * stream, no sync I/O) or throw into the packager.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface SegmentTiming {
  streamId: string;
  rendition: string;
  sequence: number;
  /** Media end time of the segment on its ffmpeg run's timeline, seconds. */
  mediaEnd: number;
  /** Epoch ms: the segment file's mtime (ffmpeg's last write = close), the packager seeing it listed,
   *  its upload done, and the media playlist naming it stored. */
  closedAtMs: number;
  detectedAtMs: number;
  uploadedAtMs: number;
  playlistAtMs: number;
  /** Epoch ms: the packager read its segment list line, the poll that read it started, the last watch event of the list before. */
  listedAtMs?: number;
  pollAtMs?: number;
  changedAtMs?: number;
}

let stream: WriteStream | undefined;
let started = false;

function sink(): WriteStream | undefined {
  if (started) return stream;
  started = true;
  const path = process.env.STREAMPLANE_SEGMENT_TRACE;
  if (!path) return undefined;
  try {
    stream = createWriteStream(path, { flags: 'a' });
    stream.on('error', () => (stream = undefined));
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    let fsMaxMs = 0;
    const probe = setInterval(() => {
      const t0 = performance.now();
      void stat(path).then(() => {}, () => {}).finally(() => (fsMaxMs = Math.max(fsMaxMs, performance.now() - t0)));
    }, 100);
    probe.unref();
    const timer = setInterval(() => {
      // ns → ms. One line a second: the delay the plane's timers and I/O callbacks saw in that second.
      stream?.write(JSON.stringify({ kind: 'loop', at: Date.now(), p50Ms: histogram.percentile(50) / 1e6, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6, fsMaxMs }) + '\n');
      histogram.reset();
      fsMaxMs = 0;
    }, 1000);
    timer.unref();
  } catch {
    stream = undefined;
  }
  return stream;
}

/** True when a trace is being written (callers skip the extra stat() otherwise). */
export function segmentTraceEnabled(): boolean {
  return sink() !== undefined;
}

export function recordSegmentTiming(timing: SegmentTiming): void {
  sink()?.write(JSON.stringify({ kind: 'segment', ...timing }) + '\n');
}

/** A session's start-up stages (ms since its first byte; session/live-session.ts), once it is live. */
export function recordSessionStartup(streamId: string, stages: object): void {
  sink()?.write(JSON.stringify({ kind: 'startup', streamId, ...stages }) + '\n');
}
