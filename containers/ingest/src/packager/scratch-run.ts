/**
 * The transcoder run a packager follows: its generation and one tailer per rendition over the segment
 * list ffmpeg appends to on scratch (`<dir>/<rendition>/segments.csv`), and an inotify watch (fs.watch)
 * on each list (on its folder until it appears) that says when it changed, so a closed segment is read at
 * once rather than at the next poll (the poll stays, as the fallback for a folder that cannot be watched).
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
   *
   * The list itself is watched, not its folder: every write ffmpeg makes to a segment file is an event in
   * the folder (~40 a second per 1080p30 ladder, each a call into JavaScript: 4 % of the plane's own CPU in a
   * `perf` profile). A list not there yet is waited for on its folder, and the watch moves to the list once
   * it appears (ffmpeg appends to the one file for the whole run).
   */
  watch(onChange: () => void): boolean {
    let all = true;
    for (const tailer of this.tailers.values()) {
      try {
        this.watchList(tailer.path, onChange);
      } catch (err) {
        all = false;
        // A folder not made yet (the caller creates it later) is simply polled; anything else is worth a word.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn('packager: cannot watch a segment list folder; polling only', { streamId: this.streamId, dir: dirname(tailer.path), error: describeError(err) });
      }
    }
    return all;
  }

  /** Watches the list file, or its folder until the list appears. Throws when neither can be watched. */
  private watchList(path: string, onChange: () => void): void {
    const onEvent = () => {
      if (!this.closed) onChange();
    };
    try {
      this.keep(watch(path, { persistent: false }, onEvent), dirname(path));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const folder = this.keep(
      watch(dirname(path), { persistent: false }, (_event, filename) => {
        if (this.closed || (filename !== null && filename !== SEGMENT_LIST_FILE)) return;
        try {
          this.keep(watch(path, { persistent: false }, onEvent), dirname(path));
          this.drop(folder);
        } catch {
          // Not there after all (an event for its removal): keep waiting on the folder.
        }
        // What was written before the list's own watch began is read by this poll.
        onChange();
      }),
      dirname(path),
    );
  }

  private keep(watcher: FSWatcher, dir: string): FSWatcher {
    watcher.on('error', (err) => {
      this.logger.warn('packager: segment list watch failed; polling only', { streamId: this.streamId, dir, error: describeError(err) });
      this.drop(watcher);
    });
    this.watchers.push(watcher);
    return watcher;
  }

  private drop(watcher: FSWatcher): void {
    watcher.close();
    const i = this.watchers.indexOf(watcher);
    if (i >= 0) this.watchers.splice(i, 1);
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
