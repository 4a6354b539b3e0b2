/**
 * Writes a stream's media playlists as one bundle object (core/hls/playlist-bundle.ts) instead of one PUT
 * per rendition per segment: a rendition's new playlist waits until every rendition has a new one (the
 * usual case: their segments end together) or `windowMs` passes, then one PUT stores them all. A caller
 * is answered only once a bundle holding its text (or a later one) is stored, so the packager still
 * never deletes a scratch segment, or reports it published, before a stored playlist names it.
 * Must never: store a bundle missing a rendition it stored before, answer a caller before its text is
 * stored, or run two PUTs of the bundle at once (a slow older one could land last).
 */
import { encodePlaylistBundle, livePlaylistBundleKey } from '../../../../core/hls/playlist-bundle';
import type { Logger } from '../../../../core/ports/logger';
import type { ObjectStore, PutOptions } from '../../../../core/ports/object-store';
import { describeError } from './errors';
import { retry, type RetryPolicy } from './retry';

/** A segment round's renditions finish uploading within a few hundred ms of each other. */
export const DEFAULT_BUNDLE_WINDOW_MS = 300;

export interface PlaylistBundleWriterOptions {
  streamId: string;
  renditions: ReadonlyArray<string>;
  store: ObjectStore;
  retryPolicy: RetryPolicy;
  logger: Logger;
  putOptions: PutOptions;
  windowMs?: number;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
  signal: AbortSignal;
}

export class PlaylistBundleWriter {
  private readonly latest = new Map<string, string>();
  private readonly fresh = new Set<string>();
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** PUTs of the bundle stored so far (what the cost worksheet counts). */
  puts = 0;

  constructor(private readonly options: PlaylistBundleWriterOptions) {}

  /** Stores `text` as `rendition`'s playlist in the next bundle; resolves once that bundle is stored. */
  write(rendition: string, text: string, signal: AbortSignal, immediate = false): Promise<void> {
    this.latest.set(rendition, text);
    this.fresh.add(rendition);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject, signal }));
    if (immediate || this.options.renditions.every((r) => this.fresh.has(r))) this.flushSoon(0);
    else this.flushSoon(this.options.windowMs ?? DEFAULT_BUNDLE_WINDOW_MS);
    return done;
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  private async flush(): Promise<void> {
    if (this.inFlight) {
      // One PUT at a time: the waiters that came meanwhile go with the next one.
      await this.inFlight.catch(() => undefined);
      if (this.waiters.length > 0 && !this.timer && !this.inFlight) this.flushSoon(0);
      return;
    }
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    this.fresh.clear();
    const body = encodePlaylistBundle(this.latest);
    const { streamId, logger, store, putOptions } = this.options;
    const signal = AbortSignal.any(waiters.map((w) => w.signal));
    this.inFlight = retry(() => store.put(livePlaylistBundleKey(streamId), body, putOptions), this.options.retryPolicy, {
      signal,
      onRetry: (err, attempt) => logger.warn('packager: playlist bundle write failed; retrying', { streamId, attempt, error: describeError(err) }),
    });
    try {
      await this.inFlight;
      this.puts++;
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    } finally {
      this.inFlight = undefined;
      if (this.waiters.length > 0 && !this.timer) this.flushSoon(this.options.renditions.every((r) => this.fresh.has(r)) ? 0 : (this.options.windowMs ?? DEFAULT_BUNDLE_WINDOW_MS));
    }
  }
}
