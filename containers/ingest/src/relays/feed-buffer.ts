/**
 * The bounded buffer between a live broadcast's FLV tap and one relay process: the tap's sink only
 * appends (it never waits, so a slow relay cannot back-pressure the ingest); the buffer writes to the
 * process as fast as its stdin drains. Past `maxBytes` queued, or when the oldest queued byte is older
 * than `maxLagMs`, the relay has fallen behind: the buffer drops everything and reports it, and the
 * relay reconnects from a fresh keyframe.
 *
 * Must never: block or throw in `push`, or grow past `maxBytes`.
 */
import type { Writable } from 'node:stream';

export interface FeedBufferOptions {
  maxBytes: number;
  maxLagMs: number;
  now?: () => number;
  onOverflow(reason: string): void;
}

export class FeedBuffer {
  private readonly queue: Array<{ chunk: Buffer; at: number }> = [];
  private queued = 0;
  private waiting = false;
  private dropped = false;
  private output: Writable | undefined;
  private readonly now: () => number;

  constructor(private readonly options: FeedBufferOptions) {
    this.now = options.now ?? Date.now;
  }

  get queuedBytes(): number {
    return this.queued;
  }

  /** Starts writing to `output`; what was queued before goes first. */
  attach(output: Writable): void {
    this.output = output;
    output.on('drain', () => {
      this.waiting = false;
      this.flush();
    });
    this.flush();
  }

  push = (chunk: Buffer): void => {
    if (this.dropped) return;
    this.queue.push({ chunk, at: this.now() });
    this.queued += chunk.length;
    if (this.queued > this.options.maxBytes) return this.overflow(`the relay fell behind (over ${Math.round(this.options.maxBytes / 1024)} KiB queued)`);
    this.flush();
  };

  /** Called periodically: a relay whose oldest queued data is too old is behind even if it is small. */
  checkLag(): void {
    const oldest = this.queue[0];
    if (!this.dropped && oldest && this.now() - oldest.at > this.options.maxLagMs) this.overflow(`the relay fell behind (over ${Math.round(this.options.maxLagMs / 1000)} s queued)`);
  }

  close(): void {
    this.dropped = true;
    this.queue.length = 0;
    this.queued = 0;
  }

  private flush(): void {
    const output = this.output;
    if (!output || this.waiting || this.dropped) return;
    while (this.queue.length > 0) {
      if (output.destroyed || !output.writable) return;
      const { chunk } = this.queue.shift()!;
      this.queued -= chunk.length;
      if (!output.write(chunk)) {
        this.waiting = true;
        return;
      }
    }
  }

  private overflow(reason: string): void {
    this.close();
    this.options.onOverflow(reason);
  }
}
