/**
 * Follows a file that another process appends lines to (ffmpeg's segment list) by reading from the last
 * offset read, when asked (a poll, or an inotify change of the file). Returns only complete lines; a line
 * still being written stays buffered until its newline arrives. Must never return a line twice or skip
 * one, and never hold the file open between reads (ffmpeg owns it; a restart may replace it).
 *
 * It reads synchronously, on purpose: the list is a few KB on local scratch that ffmpeg has just written
 * (page cache, microseconds), while each async fs call costs a trip through libuv's thread pool and back
 * through the event loop. With 20 sessions starting at once that trip took 100–250 ms per call
 * (bench:density, event-loop delay p99 ~240 ms), and the five of a read (stat, open, fstat, read, close)
 * were most of a new session's first segment's "closed → noticed" time.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

const CHUNK = 64 * 1024;
/** A segment list line is ~40 bytes; a "line" this long means the file is not a segment list. */
const MAX_LINE = 64 * 1024;

export class LineTailer {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);

  constructor(readonly path: string, private readonly onWarning: (message: string) => void = () => {}) {}

  /** New complete lines since the last call (without line endings, blank lines dropped). Missing file: none yet. */
  async readLines(): Promise<string[]> {
    return this.readLinesNow();
  }

  /** readLines, synchronously (see the module comment for why). */
  readLinesNow(): string[] {
    // Most calls find nothing new (a line every segment): one stat() answers that without opening,
    // stat-ing and closing the file.
    try {
      if (statSync(this.path).size === this.offset) return [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const chunks: Buffer[] = [];
    try {
      const { size } = fstatSync(fd);
      if (size < this.offset) {
        // Truncated or replaced: whatever it holds now is new to us. The caller's sequence checks drop
        // any line that repeats a segment it already has.
        this.onWarning(`${this.path} shrank from ${this.offset} to ${size} bytes; reading it again from the start`);
        this.offset = 0;
        this.partial = Buffer.alloc(0);
      }
      while (this.offset < size) {
        const buffer = Buffer.alloc(Math.min(CHUNK, size - this.offset));
        const bytesRead = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        chunks.push(buffer.subarray(0, bytesRead));
        this.offset += bytesRead;
      }
    } finally {
      closeSync(fd);
    }
    if (chunks.length === 0) return [];
    const data = Buffer.concat([this.partial, ...chunks]);
    const lastNewline = data.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      this.partial = data;
      if (this.partial.length > MAX_LINE) {
        this.onWarning(`${this.path} has a line longer than ${MAX_LINE} bytes; dropping it`);
        this.partial = Buffer.alloc(0);
      }
      return [];
    }
    this.partial = Buffer.from(data.subarray(lastNewline + 1));
    return data
      .subarray(0, lastNewline)
      .toString('utf8')
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() !== '');
  }

  /** Bytes of an unfinished last line (for diagnostics when the writer is gone). */
  get pendingBytes(): number {
    return this.partial.length;
  }
}
