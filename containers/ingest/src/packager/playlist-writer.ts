/**
 * The playlists of one stream's packager: each rendition's live media playlist (under one target
 * duration that only grows), the master playlist written once the stream is playable (and rewritten at
 * least every LIVE_OBJECT_REFRESH_MS while segments flow, so the `live/` lifecycle expiry never removes it
 * under a 24/7 session's viewers), and a recorded session's rendition plan. Every write retries until it
 * succeeds or the packager stops.
 * Must never lower the target duration, write the master before it is asked to, or drop a name from the
 * rendition plan that an earlier run wrote.
 */
import { targetDurationFor, writeMasterPlaylist } from '../../../../core/hls/playlist';
import { LIVE_OBJECT_REFRESH_MS, liveObjectRefreshDue } from '../../../../core/media/live-refresh';
import { liveMasterPlaylistKey, liveMediaPlaylistKey, mediaPlaylistUri, renditionsFileKey } from '../../../../core/media/layout';
import type { Logger } from '../../../../core/ports/logger';
import type { ObjectStore, PutOptions } from '../../../../core/ports/object-store';
import { parseRenditionsFile, type RenditionInfo } from '../../../../core/recordings/renditions-file';
import { describeError } from './errors';
import type { RenditionTrack } from './rendition-track';
import { PlaylistBundleWriter } from './playlist-bundle-writer';
import { retry, type RetryPolicy } from './retry';
import type { RenditionPlan } from './types';

/**
 * Live playlists change every segment (2 s): one second is about half a segment, so a CDN serves a window
 * at most one refresh old while a crowd's refreshes still collapse into one origin read.
 */
/**
 * Live playlists: a CDN keeps them one second (`s-maxage`), a browser revalidates every reload
 * (`max-age=0`): hls.js reloads an unchanged playlist after half a target duration, and a copy the
 * browser itself still held fresh would hide a new segment for up to a second more.
 */
export const PLAYLIST_PUT_OPTIONS: PutOptions = { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=0, s-maxage=1' };
/** The recording's rendition plan: read by the finalizer only, never cached. */
export const RENDITION_PLAN_PUT_OPTIONS: PutOptions = { contentType: 'application/json', cacheControl: 'no-cache' };

export interface PlaylistWriterOptions {
  streamId: string;
  plans: ReadonlyArray<RenditionPlan>;
  store: ObjectStore;
  retryPolicy: RetryPolicy;
  logger: Logger;
  segmentSeconds: number;
  /** The master's URI of a rendition's playlist (default `mediaPlaylistUri`). */
  variantUri?: (rendition: string) => string;
  /** The packager's stop: ends the master write's retries. */
  signal: AbortSignal;
  /** How often the stored master is rewritten while the stream is live. Default LIVE_OBJECT_REFRESH_MS. */
  masterRefreshMs?: number;
  /**
   * Media playlists go into one bundle object per stream (`live/<id>/playlists.json`, served per
   * rendition by the playlist origin) instead of one object per rendition. Off: one object each.
   */
  bundle?: { windowMs?: number };
}

export class PlaylistWriter {
  private targetDuration: number;
  private liveState: 'waiting' | 'publishing' | 'live' = 'waiting';
  private masterTask: Promise<void> | undefined;
  private readonly masterText: string;
  /** When the master was last stored (ms since the epoch), once live. */
  private masterStoredAtMs: number | undefined;
  private readonly bundle: PlaylistBundleWriter | undefined;

  constructor(private readonly options: PlaylistWriterOptions) {
    this.bundle = options.bundle
      ? new PlaylistBundleWriter({ streamId: options.streamId, renditions: options.plans.map((p) => p.name), store: options.store, retryPolicy: options.retryPolicy, logger: options.logger, putOptions: PLAYLIST_PUT_OPTIONS, ...(options.bundle.windowMs !== undefined ? { windowMs: options.bundle.windowMs } : {}) })
      : undefined;
    this.targetDuration = targetDurationFor([], options.segmentSeconds);
    // Built now so a bad ladder (codecs, sizes) fails at construction, not when the stream goes live.
    this.masterText = writeMasterPlaylist({
      variants: options.plans.map((p) => ({
        uri: (options.variantUri ?? mediaPlaylistUri)(p.name),
        bandwidth: p.bandwidth,
        ...(p.averageBandwidth !== undefined ? { averageBandwidth: p.averageBandwidth } : {}),
        codecs: p.codecs,
        ...(p.width !== undefined && p.height !== undefined ? { resolution: { width: p.width, height: p.height } } : {}),
        ...(p.fps !== undefined ? { frameRate: p.fps } : {}),
      })),
    });
  }

  /** PUTs of the playlist bundle so far (0 without `bundle`). */
  get bundlePuts(): number {
    return this.bundle?.puts ?? 0;
  }

  get currentTargetDuration(): number {
    return this.targetDuration;
  }

  /** The master is stored: the stream is playable. */
  get live(): boolean {
    return this.liveState === 'live';
  }

  /** Whether the master is still being written. */
  get masterPending(): boolean {
    return this.masterTask !== undefined;
  }

  get waitingForMaster(): boolean {
    return this.liveState === 'waiting';
  }

  /** Continues from the target duration the stored playlists already announce. */
  resumeTargetDuration(resumed: number | undefined): void {
    this.targetDuration = targetDurationFor([], Math.max(this.targetDuration, resumed ?? 0));
  }

  /** Raises the target duration to cover a segment of `duration`; returns the new one when it rose. */
  cover(duration: number): number | undefined {
    const target = targetDurationFor([duration], this.targetDuration);
    if (target <= this.targetDuration) return undefined;
    this.targetDuration = target;
    return target;
  }

  async storeMediaPlaylist(rendition: string, track: RenditionTrack, endList: boolean, signal: AbortSignal): Promise<void> {
    this.targetDuration = targetDurationFor(track.durations(), this.targetDuration);
    const text = track.render({ targetDuration: this.targetDuration, endList });
    if (this.bundle) {
      // A final write (its own signal, after the live uploads stopped) or the end of the list goes at once.
      await this.bundle.write(rendition, text, signal, endList || signal !== this.options.signal);
      track.dirty = false;
      return;
    }
    await retry(() => this.options.store.put(liveMediaPlaylistKey(this.options.streamId, rendition), text, PLAYLIST_PUT_OPTIONS), this.options.retryPolicy, {
      signal,
      onRetry: (err, attempt) => this.options.logger.warn('packager: playlist write failed; retrying', { streamId: this.options.streamId, rendition, attempt, error: describeError(err) }),
    });
    track.dirty = false;
  }

  /**
   * Starts writing the master (in the background: segments keep flowing). `onLive` when it is stored;
   * `onSettled` when the write is over either way. A failed write leaves the writer waiting, so the next
   * published segment tries again.
   */
  publishMaster(onLive: (masterKey: string) => void, onSettled: () => void, nowMs: number): void {
    if (this.liveState !== 'waiting') return;
    this.liveState = 'publishing';
    const { streamId, logger, signal } = this.options;
    const key = liveMasterPlaylistKey(streamId);
    this.masterTask = retry(() => this.options.store.put(key, this.masterText, PLAYLIST_PUT_OPTIONS), this.options.retryPolicy, {
      signal,
      onRetry: (err, attempt) => logger.warn('packager: master playlist write failed; retrying', { streamId, attempt, error: describeError(err) }),
    })
      .then(() => {
        this.liveState = 'live';
        this.masterStoredAtMs = nowMs;
        logger.info('packager: stream is playable', { streamId, masterKey: key });
        onLive(key);
      })
      .catch((err: unknown) => {
        this.liveState = 'waiting';
        if (!signal.aborted) logger.error('packager: could not publish the master playlist', { streamId, error: describeError(err) });
      })
      .finally(() => {
        this.masterTask = undefined;
        onSettled();
      });
  }

  /**
   * Rewrites the stored master (same text) when its last write is older than the refresh interval, in the
   * background like the first write. A failure keeps the old time, so the next segment tries again.
   */
  refreshMasterIfDue(nowMs: number, onSettled: () => void): void {
    if (this.liveState !== 'live' || this.masterTask) return;
    if (!liveObjectRefreshDue(this.masterStoredAtMs, nowMs, this.options.masterRefreshMs ?? LIVE_OBJECT_REFRESH_MS)) return;
    const { streamId, logger, signal } = this.options;
    const key = liveMasterPlaylistKey(streamId);
    this.masterTask = this.options.store
      .put(key, this.masterText, PLAYLIST_PUT_OPTIONS)
      .then(() => {
        this.masterStoredAtMs = nowMs;
      })
      .catch((err: unknown) => {
        if (!signal.aborted) logger.warn('packager: master playlist refresh failed; retrying with the next segment', { streamId, error: describeError(err) });
      })
      .finally(() => {
        this.masterTask = undefined;
        onSettled();
      });
  }

  /**
   * `recordings/<id>/renditions.json`: the union of every run's plan. Names seen before keep their place
   * (the master playlist's order); this run's values win for names it has (it is what is stored now).
   */
  async writeRenditionPlan(recordingId: string): Promise<void> {
    const { store, plans } = this.options;
    const key = renditionsFileKey(recordingId);
    const body = await store.get(key);
    const previous = parseRenditionsFile(body === undefined ? undefined : Buffer.from(body).toString('utf8')) ?? [];
    const current = new Map(plans.map((p) => [p.name, renditionInfo(p)]));
    const merged = [...previous.map((r) => current.get(r.name) ?? r), ...plans.filter((p) => !previous.some((r) => r.name === p.name)).map(renditionInfo)];
    await store.put(key, JSON.stringify(merged), RENDITION_PLAN_PUT_OPTIONS);
  }
}

function renditionInfo(plan: RenditionPlan): RenditionInfo {
  return {
    name: plan.name,
    bandwidth: plan.bandwidth,
    codecs: plan.codecs,
    ...(plan.averageBandwidth !== undefined ? { averageBandwidth: plan.averageBandwidth } : {}),
    ...(plan.width !== undefined ? { width: plan.width } : {}),
    ...(plan.height !== undefined ? { height: plan.height } : {}),
    ...(plan.fps !== undefined ? { fps: plan.fps } : {}),
  };
}
