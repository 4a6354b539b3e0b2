/**
 * The transcoder run a packager follows: its generation and one tailer per rendition over the segment
 * list ffmpeg appends to on scratch (`<dir>/<rendition>/segments.csv`), and an inotify watch (fs.watch)
 * on each rendition folder that says when a list changed, so a closed segment is read at once rather
 * than at the next poll (the poll stays, as the fallback for a folder that cannot be watched).
 * Must never hand a line on twice or skip one (the tailers guarantee it), never stop the poll because one
 * rendition's list cannot be read right now, and never let a watch outlive the run (`close`).
 */
import { watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../../../../core/ports/logger';
import { SEGMENT_LIST_FILE } from '../transcoder/ffmpeg-args';
import { LineTailer } from './csv-tailer';
import { describeError } from './errors';
import type { Generation } from './generation-timeline';

export class ScratchRun {
  private readonly tailers = new Map<string, LineTailer>();
  /**
   * Per rendition: the newest listed segment, held back because it lacked a track its rendition declares
   * when it was listed. The next line shows it was not the run's last; the run's end decides otherwise.
   */
  readonly heldTail = new Map<string, string>();
  private readonly watchers: FSWatcher[] = [];
  private closed = false;

  constructor(
    readonly gen: Generation,
    renditions: ReadonlyArray<string>,
    private readonly streamId: string,
    private readonly logger: Logger,
  ) {
    for (const name of renditions) {
      const path = join(gen.dir, name, SEGMENT_LIST_FILE);
      this.tailers.set(name, new LineTailer(path, (message) => logger.warn(`packager: ${message}`, { streamId, generation: gen.id })));
    }
  }

  /**
   * Calls `onChange` when a rendition's segment list changes (ffmpeg appended a line). True when every
   * rendition folder is watched; false when one could not be (the caller keeps polling as often as before).
   * A watch that fails later is dropped the same way: the poll still reads every line.
   */
  watch(onChange: () => void): boolean {
    let all = true;
    for (const tailer of this.tailers.values()) {
      const dir = dirname(tailer.path);
      try {
        // Every write to a segment file is an event in its folder too: only the list's matter.
        const watcher = watch(dir, { persistent: false }, (_event, filename) => {
          if (!this.closed && (filename === null || filename === SEGMENT_LIST_FILE)) onChange();
        });
        watcher.on('error', (err) => {
          this.logger.warn('packager: segment list watch failed; polling only', { streamId: this.streamId, dir, error: describeError(err) });
          watcher.close();
        });
        this.watchers.push(watcher);
      } catch (err) {
        all = false;
        // A folder not made yet (the caller creates it later) is simply polled; anything else is worth a word.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn('packager: cannot watch a segment list folder; polling only', { streamId: this.streamId, dir, error: describeError(err) });
      }
    }
    return all;
  }

  /** Ends the watches (the run is over). Idempotent. */
  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  /** Hands every new complete line on, rendition by rendition in ladder order. */
  async poll(onLine: (rendition: string, line: string) => void | Promise<void>): Promise<void> {
    for (const [name, tailer] of this.tailers) {
      let lines: string[];
      try {
        lines = await tailer.readLines();
      } catch (err) {
        this.logger.warn('packager: cannot read a segment list; will retry', { streamId: this.streamId, rendition: name, path: tailer.path, error: describeError(err) });
        continue;
      }
      for (const line of lines) await onLine(name, line);
    }
  }

  /** The run is over: a list that ends mid-line lost that line (ffmpeg died while writing it). */
  warnUnfinishedLines(): void {
    for (const [name, tailer] of this.tailers) {
      if (tailer.pendingBytes > 0) this.logger.warn('packager: run ended with an unfinished segment list line; ignoring it', { streamId: this.streamId, rendition: name, generation: this.gen.id });
    }
  }
}
