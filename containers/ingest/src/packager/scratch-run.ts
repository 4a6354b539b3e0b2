/**
 * The transcoder run a packager follows: its generation and one tailer per rendition over the segment
 * list ffmpeg appends to on scratch (`<dir>/<rendition>/segments.csv`).
 * Must never hand a line on twice or skip one (the tailers guarantee it), and never stop the poll
 * because one rendition's list cannot be read right now.
 */
import { join } from 'node:path';
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
