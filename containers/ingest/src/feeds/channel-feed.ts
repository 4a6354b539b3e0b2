/**
 * One non-live feed of a stream — the fallback playout or the slate — from start to stop: fetches its media
 * from the object store to scratch, runs one supervised ffmpeg at a time (the fallback: one per file, the
 * next file when it ends, looping; the slate: one until stopped) through the stream's ladder, and hands the
 * segments to a packager that resumes the stream's published timeline, so the feed is a new generation of
 * the stream's playlists: numbering continues, a discontinuity marks the seam. Nothing is recorded.
 * Must never: leave an ffmpeg running after `stop`, write under a recording, or change the renditions.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ChannelMediaItem } from '../../../../core/ports/channel-media';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { ObjectStore } from '../../../../core/ports/object-store';
import type { LadderPlan } from '../../../../core/transcode/ladder';
import { Packager } from '../packager/packager';
import { TranscoderSupervisor } from '../transcoder/supervisor';
import { fallbackFileArgs, slateArgs, type FallbackFile, type SlatePicture } from './feed-args';
import { PlayoutOrder } from './playout-order';
import { probeStreams } from './probe-file';

export type ChannelFeedKind = 'fallback' | 'slate';

export interface ChannelFeedOptions {
  streamId: string;
  kind: ChannelFeedKind;
  plan: LadderPlan;
  /** The fallback's items (in list order), for `fallback`. */
  items?: ChannelMediaItem[];
  order?: 'sequential' | 'shuffle';
  /** The slate's picture (also the still frame behind audio files); null: generated. */
  slate: ChannelMediaItem | null;
  objectStore: ObjectStore;
  scratchRoot: string;
  liveWindowSegments: number;
  ffmpegPath: string;
  ffprobePath: string;
  logger: Logger;
  metrics: Metrics;
  random?: () => number;
}

export class ChannelFeed {
  private supervisor: TranscoderSupervisor | undefined;
  private packager: Packager | undefined;
  private readonly dir: string;
  private run = 0;
  private files: FallbackFile[] = [];
  private picture: SlatePicture | undefined;
  private order: PlayoutOrder | undefined;
  private stopped = false;
  private starting: Promise<void> | undefined;
  private firstSegment: (() => void) | undefined;
  /** Resolves when the feed's first segment is published (or the feed stopped before one). */
  readonly onAir: Promise<void>;

  constructor(private readonly options: ChannelFeedOptions) {
    this.dir = join(options.scratchRoot, options.streamId, `${options.kind}-${Date.now()}`);
    this.onAir = new Promise((resolve) => (this.firstSegment = resolve));
  }

  get kind(): ChannelFeedKind {
    return this.options.kind;
  }

  get pid(): number | undefined {
    return this.supervisor?.pid;
  }

  start(): Promise<void> {
    this.starting ??= this.begin().catch((err: unknown) => {
      this.options.logger.error('feed: could not start', { streamId: this.options.streamId, feed: this.options.kind, error: err instanceof Error ? err : String(err) });
      throw err;
    });
    return this.starting;
  }

  private async begin(): Promise<void> {
    const { options } = this;
    await mkdir(this.dir, { recursive: true });
    if (options.slate) this.picture = await this.fetchPicture(options.slate);
    if (options.kind === 'fallback') {
      const items = options.items ?? [];
      for (const item of items) {
        const path = await this.fetch(item, `item-${this.files.length}`);
        if (!path) continue;
        this.files.push({ item, path, ...(await probeStreams(path, options.ffprobePath)) });
      }
      this.files = this.files.filter((f) => f.hasAudio || f.hasVideo);
      if (this.files.length === 0) throw new Error('none of the fallback items could be read');
      this.order = new PlayoutOrder(this.files.length, options.order ?? 'sequential', options.random);
    }
    if (this.stopped) return;
    const packager = new Packager({
      streamId: options.streamId,
      renditions: options.plan.renditions,
      segmentSeconds: options.plan.segmentSeconds,
      objectStore: options.objectStore,
      liveWindow: options.liveWindowSegments,
      logger: options.logger,
      metrics: options.metrics,
    });
    this.packager = packager;
    packager.on('segment', () => this.firstSegment?.());
    await packager.start();
    if (this.stopped) return;
    const supervisor = new TranscoderSupervisor({
      ffmpegPath: options.ffmpegPath,
      args: () => this.nextRun(),
      prepare: async (outputDir) => {
        for (const r of options.plan.renditions) await mkdir(join(outputDir, r.name), { recursive: true });
        await packager.attach(outputDir);
      },
      logger: options.logger,
      // A file that ended is followed by the next one at once; a failing one backs off as any crash.
      backoff: { initialMs: 20, maxMs: 5_000, stableAfterMs: 1_500 },
      drainMs: 0,
      stallTimeoutMs: 0,
    });
    this.supervisor = supervisor;
    supervisor.on('exit', (exit) => {
      if (this.stopped) return;
      if (exit.code !== 0) options.logger.warn('feed: ffmpeg exited', { streamId: options.streamId, feed: options.kind, code: exit.code, message: exit.message });
    });
    await supervisor.start();
  }

  private nextRun(): { args: string[]; outputDir: string } {
    const outputDir = join(this.dir, `run-${++this.run}`);
    const { plan } = this.options;
    if (this.options.kind === 'slate') return { args: slateArgs(plan, outputDir, this.picture), outputDir };
    const file = this.files[(this.order as PlayoutOrder).next()] as FallbackFile;
    this.options.logger.info('feed: playing fallback item', { streamId: this.options.streamId, mediaId: file.item.mediaId });
    // An audio file's still frame is the slate picture when it is an image.
    const still = this.picture?.still ? this.picture : undefined;
    return { args: fallbackFileArgs(plan, file, outputDir, still), outputDir };
  }

  /**
   * Stops at once for a writer that lost the right to write (self-fencing, feeds/channel-job-host.ts): the
   * packager writes nothing more (uploads aborted, no final playlist), ffmpeg is killed by PID, scratch is
   * removed. Reads and writes no store; also cuts short a stop() in progress. Idempotent.
   */
  async halt(): Promise<void> {
    this.stopped = true;
    this.packager?.fence();
    const pid = this.supervisor?.pid;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.supervisor?.abandon();
    await this.packager?.stop({ endList: false });
    this.firstSegment?.();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Stops ffmpeg (its last, shorter segment is kept), publishes what it wrote, removes scratch. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.starting?.catch(() => undefined);
    await this.supervisor?.stop();
    const stats = await this.packager?.stop({ endList: false });
    this.firstSegment?.();
    const pending = Object.values(stats?.renditions ?? {}).reduce((sum, r) => sum + r.pending, 0);
    if (pending === 0) await rm(this.dir, { recursive: true, force: true });
  }

  private async fetch(item: ChannelMediaItem, name: string): Promise<string | undefined> {
    const body = await this.options.objectStore.get(item.objectKey);
    if (!body) {
      this.options.logger.warn('feed: media object missing; skipping it', { streamId: this.options.streamId, mediaId: item.mediaId, objectKey: item.objectKey });
      return undefined;
    }
    const path = join(this.dir, `${name}${safeExt(item.objectKey)}`);
    await writeFile(path, body);
    return path;
  }

  private async fetchPicture(item: ChannelMediaItem): Promise<SlatePicture | undefined> {
    if (item.kind !== 'video') return undefined;
    const path = await this.fetch(item, 'slate');
    return path ? { path, still: item.durationSeconds < 1 } : undefined;
  }
}

function safeExt(key: string): string {
  const ext = extname(key).toLowerCase();
  return /^\.[a-z0-9]{1,5}$/.test(ext) ? ext : '';
}
