/**
 * The low-latency half of a `latencyMode: low` session: follows the fragmented MP4 each rendition's
 * ffmpeg output writes to scratch (`<run>/<rendition>/ll.mp4`, one fragment per frame), cuts parts and
 * segments (ll-rendition.ts), stores them and rewrites the rendition's LL-HLS playlist
 * (`live/<stream>/<rendition>/ll.m3u8`, the one the master names in low mode) after every part. The
 * part being written is handed frame by frame to a LivePartSink, so an origin in the same process can
 * stream the preload-hinted part. Segment numbering resumes from the stored playlists and moves on at
 * every ffmpeg run (one base for all renditions, a discontinuity, a new init section).
 * The normal packager still runs beside it on the same encode (its MPEG-TS segments make the recording,
 * the DVR window and the classic playlist), so recordings of low sessions are the usual VOD layout.
 * Must never: publish a playlist naming a part or segment not yet stored, reuse or lower a sequence
 * number, or let a slow store stall reading (writes queue per rendition; reading never waits for them).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLlMediaPlaylist } from '../../../../../core/hls/ll-playlist';
import { PlaylistError } from '../../../../../core/hls/playlist';
import { liveRenditionPrefix } from '../../../../../core/media/layout';
import type { LivePartSink } from '../../../../../core/ports/live-parts';
import { silentLogger, type Logger } from '../../../../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../../../../core/ports/metrics';
import type { ObjectStore, PutOptions } from '../../../../../core/ports/object-store';
import { describeError } from '../errors';
import { DEFAULT_RETRY_POLICY, retry, type RetryPolicy } from '../retry';
import { LL_SCRATCH_FILE } from '../../transcoder/ffmpeg-args';
import { Fmp4Reader } from './fmp4';
import { LL_PLAYLIST_FILE, LlRendition, type LlOutput } from './ll-rendition';

/** Parts of about 200–250 ms (7 frames at 30 fps, 6 at 25): PART-TARGET. */
export const DEFAULT_PART_TARGET = 0.25;

const MEDIA_PUT: PutOptions = { contentType: 'video/mp4', cacheControl: 'public, max-age=31536000, immutable' };
/** A plain reload is rare in LL-HLS (players block on `_HLS_msn`); half a part target keeps it fresh. */
const LL_PLAYLIST_PUT: PutOptions = { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=0, s-maxage=0' };

export interface LlPackagerOptions {
  streamId: string;
  renditions: ReadonlyArray<string>;
  objectStore: ObjectStore;
  segmentSeconds: number;
  partTarget?: number;
  /** Complete segments per playlist. Default 6. */
  liveWindow?: number;
  liveParts?: LivePartSink;
  logger?: Logger;
  metrics?: Metrics;
  /** How often scratch files are read. Default 15 ms (a frame is 33 ms). */
  pollMs?: number;
  retry?: Partial<RetryPolicy>;
}

interface Follow {
  name: string;
  rendition: LlRendition;
  reader: Fmp4Reader;
  file: string;
  handle: FileHandle | undefined;
  position: number;
  /** The run's init section (EXT-X-MAP), stored when ffmpeg has written it. */
  mapUri: string;
  chain: Promise<void>;
  failed: boolean;
}

export class LlPackager {
  private readonly renditions = new Map<string, LlRendition>();
  private readonly follows = new Map<string, Follow>();
  private readonly partTarget: number;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly retryPolicy: RetryPolicy;
  private readonly abort = new AbortController();
  private hasHistory = false;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: LlPackagerOptions) {
    this.partTarget = options.partTarget ?? DEFAULT_PART_TARGET;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noopMetrics;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /** Continues numbering after what the stored playlists show (a reconnect, a plane restart). */
  async start(): Promise<void> {
    let next = 0;
    let disc = 0;
    let target: number | undefined;
    for (const name of this.options.renditions) {
      const body = await this.options.objectStore.get(this.playlistKey(name));
      if (!body) continue;
      try {
        const parsed = parseLlMediaPlaylist(Buffer.from(body).toString('utf8'));
        this.hasHistory = true;
        // Pending parts used a number too: the next run starts after it.
        next = Math.max(next, parsed.mediaSequence + parsed.segments.length + (parsed.pendingParts.length > 0 ? 1 : 0));
        disc = Math.max(disc, discontinuityOf(parsed));
        target = Math.max(target ?? 0, parsed.targetDuration);
      } catch (err) {
        if (!(err instanceof PlaylistError)) throw err;
        this.logger.error('ll-packager: stored playlist is unreadable; numbering starts after a safe margin', { streamId: this.options.streamId, rendition: name, error: err.message });
        this.hasHistory = true;
      }
    }
    const resume = { nextSequence: next, discontinuitySequence: disc, ...(target !== undefined ? { targetDuration: target } : {}) };
    for (const name of this.options.renditions) {
      this.renditions.set(name, new LlRendition({ partTarget: this.partTarget, segmentSeconds: this.options.segmentSeconds, liveWindow: this.options.liveWindow ?? 6 }, resume));
    }
  }

  /** Follows a new ffmpeg run writing under `outputDir`; the previous run is read to its end first. */
  async attach(outputDir: string): Promise<void> {
    if (this.stopped) return;
    await this.closeRun();
    const base = Math.max(...[...this.renditions.values()].map((r) => r.sequenceAfter));
    const disc = Math.max(...[...this.renditions.values()].map((r) => r.discontinuitySequenceNow));
    for (const [name, rendition] of this.renditions) {
      const mapUri = rendition.beginRun(base, disc, this.hasHistory);
      this.follows.set(name, { name, rendition, reader: new Fmp4Reader(), file: join(outputDir, name, LL_SCRATCH_FILE), handle: undefined, position: 0, mapUri, chain: Promise.resolve(), failed: false });
    }
    this.logger.info('ll-packager: following transcoder run', { streamId: this.options.streamId, firstSequence: base, outputDir });
    this.schedule();
  }

  /** Reads what is left, closes the last part and segment, writes the final playlists (EXT-X-ENDLIST when `endList`). */
  async stop(options: { endList: boolean }): Promise<void> {
    if (this.stopped) return;
    await this.closeRun();
    this.stopped = true;
    if (options.endList) {
      for (const follow of this.renditions.values()) follow.end();
      for (const name of this.renditions.keys()) await this.writePlaylist(name, this.snapshot(name)).catch(() => undefined);
    }
    this.abort.abort();
  }

  // -------------------------------------------------------------------------------------------------------

  private playlistKey(name: string): string {
    return `${liveRenditionPrefix(this.options.streamId, name)}${LL_PLAYLIST_FILE}`;
  }

  private keyOf(name: string, file: string): string {
    return `${liveRenditionPrefix(this.options.streamId, name)}${file}`;
  }

  private schedule(): void {
    if (this.stopped || this.follows.size === 0) return;
    this.timer = setTimeout(() => {
      this.reading = this.readAll().finally(() => {
        this.reading = undefined;
        this.schedule();
      });
    }, this.options.pollMs ?? 15);
  }

  private async closeRun(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.reading;
    if (this.follows.size === 0) return;
    await this.readAll();
    for (const follow of this.follows.values()) {
      this.handle(follow, follow.rendition.finish());
      await follow.handle?.close().catch(() => undefined);
    }
    await Promise.all([...this.follows.values()].map((f) => f.chain));
    this.follows.clear();
  }

  private async readAll(): Promise<void> {
    for (const follow of this.follows.values()) {
      if (follow.failed) continue;
      try {
        await this.read(follow);
      } catch (err) {
        follow.failed = true;
        this.metrics.count('ll_packager_read_failures', 1, { rendition: follow.name });
        this.logger.error('ll-packager: cannot read the low-latency output; this rendition stops advancing until the next run', { streamId: this.options.streamId, rendition: follow.name, error: describeError(err) });
      }
    }
  }

  private async read(follow: Follow): Promise<void> {
    if (!follow.handle) {
      follow.handle = await open(follow.file, 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined; // ffmpeg has not written it yet
        throw err;
      });
      if (!follow.handle) return;
    }
    const buffer = Buffer.allocUnsafe(256 * 1024);
    for (;;) {
      const { bytesRead } = await follow.handle.read(buffer, 0, buffer.length, follow.position);
      if (bytesRead === 0) return;
      follow.position += bytesRead;
      for (const event of follow.reader.push(Buffer.from(buffer.subarray(0, bytesRead)))) {
        if (event.type === 'init') {
          const key = this.keyOf(follow.name, follow.mapUri);
          this.enqueue(follow, () => this.put(key, event.bytes, MEDIA_PUT));
        } else {
          this.handle(follow, follow.rendition.push(event.fragment));
        }
      }
    }
  }

  /** Hands the part being written to the sink at once; stores parts and segments, then the playlist, in order. */
  private handle(follow: Follow, outputs: LlOutput[]): void {
    if (outputs.length === 0) return;
    const sink = this.options.liveParts;
    const puts: Array<() => Promise<void>> = [];
    let changed = false;
    for (const o of outputs) {
      const key = this.keyOf(follow.name, o.uri);
      if (o.kind === 'part-open') {
        sink?.open(key);
        changed = true; // the preload hint moved
      } else if (o.kind === 'part-data') {
        sink?.append(key, o.bytes);
      } else {
        if (o.kind === 'part') sink?.close(key);
        puts.push(async () => {
          await this.put(key, o.bytes, MEDIA_PUT);
          if (o.kind === 'part') sink?.stored(key);
        });
        this.metrics.count(o.kind === 'part' ? 'll_parts' : 'll_segments', 1, { rendition: follow.name });
        changed = true;
      }
    }
    if (!changed) return;
    // The playlist as of now, written once everything it names is stored.
    const text = this.snapshot(follow.name);
    this.enqueue(follow, async () => {
      for (const put of puts) await put();
      if (text !== undefined) await this.writePlaylist(follow.name, text);
    });
  }

  private snapshot(name: string): string | undefined {
    const reports = [...this.renditions]
      .filter(([other]) => other !== name)
      .flatMap(([other, r]) => {
        const last = r.lastPart;
        return last ? [{ uri: `../${other}/${LL_PLAYLIST_FILE}`, lastMsn: last.msn, lastPart: last.part }] : [];
      });
    return this.renditions.get(name)?.playlist(reports);
  }

  private enqueue(follow: Follow, task: () => Promise<void>): void {
    follow.chain = follow.chain.then(task).catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.logger.error('ll-packager: could not store low-latency output', { streamId: this.options.streamId, rendition: follow.name, error: describeError(err) });
    });
  }

  private async writePlaylist(name: string, text: string | undefined): Promise<void> {
    if (text === undefined) return;
    await this.put(this.playlistKey(name), text, LL_PLAYLIST_PUT);
  }

  private put(key: string, body: Buffer | string, options: PutOptions): Promise<void> {
    return retry(() => this.options.objectStore.put(key, body, options), this.retryPolicy, {
      signal: this.abort.signal,
      onRetry: (err, attempt) => this.logger.warn('ll-packager: store write failed; retrying', { streamId: this.options.streamId, key, attempt, error: describeError(err) }),
    });
  }
}

/** The discontinuity number of a stored playlist's last segment: the header's plus every discontinuity it still shows. */
function discontinuityOf(parsed: ReturnType<typeof parseLlMediaPlaylist>): number {
  return parsed.discontinuitySequence + parsed.segments.filter((s) => s.discontinuity).length;
}
