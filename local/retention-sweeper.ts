/**
 * The local plane's retention (in the cloud, S3 lifecycle rules do this): on an injected interval it
 * deletes recordings past their retention (through the same use case as the API's delete), and live
 * segments of streams that are not recorded once they are old enough that no player can want them:
 *   - a stream with an open session keeps every segment its live playlists name, and every segment less
 *     than `liveRetentionMs` of media behind the newest one of its rendition;
 *   - a stream without an open session loses its live segments `liveRetentionMs` after its last change
 *     (its playlists stay: the packager resumes numbering from them, and a reused segment name could be
 *     served stale by a cache);
 *   - a deleted stream loses its whole `live/<streamId>/` folder.
 *
 * Must never: delete a segment a live playlist names, touch `recordings/` outside the recording use case,
 * delete a recording still being written, or run two sweeps at once.
 */
import { parseMediaPlaylist, PlaylistError } from '../core/hls/playlist';
import type { Clock } from '../core/ports/clock';
import { silentLogger, type Logger } from '../core/ports/logger';
import type { ObjectStore, StoredObject } from '../core/ports/object-store';
import type { RecordingStore } from '../core/ports/recording-store';
import type { StreamStore } from '../core/ports/stream-store';
import { parseSegmentFileName } from '../core/recordings/recording';
import { sweepRecordingRetention, type RetentionSettings } from '../core/recordings/lifecycle';
import { hasOpenSession, type Stream } from '../core/streams/stream';

export const LIVE_PREFIX = 'live/';
const DEFAULT_LIVE_RETENTION_MS = 3_600_000;
const DELETE_BATCH = 500;

export interface IntervalTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realTimers: IntervalTimers = {
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface RetentionSweeperOptions {
  recordings: RecordingStore;
  objectStore: ObjectStore;
  streams: Pick<StreamStore, 'get'>;
  clock: Clock;
  logger?: Logger;
  /** Days recordings are kept (0 or absent: until deleted). */
  retentionDays?: number;
  /** A stream's own retention in days, overriding `retentionDays` (the stream model has no field yet). */
  streamRetentionDays?: (streamId: string) => Promise<number | undefined> | number | undefined;
  /** How long non-recorded live media is kept. Default 1 h. */
  liveRetentionMs?: number;
  /** Time between sweeps. */
  intervalMs: number;
  timers?: IntervalTimers;
}

export interface SweepReport {
  recordingsDeleted: string[];
  liveObjectsDeleted: number;
  errors: number;
}

export class RetentionSweeper {
  private readonly log: Logger;
  private readonly timers: IntervalTimers;
  private handle: unknown;
  private running: Promise<SweepReport> | undefined;
  private stopped = false;

  constructor(private readonly options: RetentionSweeperOptions) {
    if (!(Number.isFinite(options.intervalMs) && options.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${options.intervalMs}`);
    this.log = options.logger ?? silentLogger;
    this.timers = options.timers ?? realTimers;
  }

  /** Sweeps on every tick of the interval (a tick during a running sweep is skipped). */
  start(): void {
    if (this.handle !== undefined || this.stopped) return;
    this.handle = this.timers.setInterval(() => {
      if (!this.running) void this.sweepOnce().catch(() => undefined);
    }, this.options.intervalMs);
  }

  /** One sweep (joins the running one). Errors on single items are logged and counted, not thrown. */
  sweepOnce(): Promise<SweepReport> {
    this.running ??= this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the interval and waits for a running sweep. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== undefined) this.timers.clearInterval(this.handle);
    this.handle = undefined;
    await this.running?.catch(() => undefined);
  }

  private async sweep(): Promise<SweepReport> {
    const report: SweepReport = { recordingsDeleted: [], liveObjectsDeleted: 0, errors: 0 };
    const settings: RetentionSettings = {
      ...(this.options.retentionDays !== undefined ? { retentionDays: this.options.retentionDays } : {}),
      ...(this.options.streamRetentionDays ? { streamRetentionDays: this.options.streamRetentionDays } : {}),
    };
    try {
      report.recordingsDeleted = await sweepRecordingRetention(this.options, settings, {
        onError: (recordingId, err) => {
          report.errors++;
          this.log.warn('retention: could not delete a recording; will try again', { recordingId, error: describe(err) });
        },
      });
    } catch (err) {
      report.errors++;
      this.log.error('retention: recording sweep failed', { error: describe(err) });
    }
    try {
      report.liveObjectsDeleted = await this.sweepLive(report);
    } catch (err) {
      report.errors++;
      this.log.error('retention: live sweep failed', { error: describe(err) });
    }
    if (report.recordingsDeleted.length > 0 || report.liveObjectsDeleted > 0) this.log.info('retention: swept', { recordings: report.recordingsDeleted.length, liveObjects: report.liveObjectsDeleted });
    return report;
  }

  private async sweepLive(report: SweepReport): Promise<number> {
    const byStream = new Map<string, StoredObject[]>();
    for (const object of await this.options.objectStore.list(LIVE_PREFIX)) {
      const streamId = object.key.split('/')[1];
      if (!streamId) continue;
      const list = byStream.get(streamId) ?? [];
      list.push(object);
      byStream.set(streamId, list);
    }
    let deleted = 0;
    for (const [streamId, objects] of byStream) {
      try {
        const stream = await this.options.streams.get(streamId);
        const doomed = stream ? await this.expiredLiveObjects(stream, objects) : objects.map((o) => o.key);
        for (let i = 0; i < doomed.length; i += DELETE_BATCH) await this.options.objectStore.delete(doomed.slice(i, i + DELETE_BATCH));
        deleted += doomed.length;
      } catch (err) {
        report.errors++;
        this.log.warn('retention: could not sweep live media of a stream; will try again', { streamId, error: describe(err) });
      }
    }
    return deleted;
  }

  private async expiredLiveObjects(stream: Stream, objects: ReadonlyArray<StoredObject>): Promise<string[]> {
    const retention = this.options.liveRetentionMs ?? DEFAULT_LIVE_RETENTION_MS;
    const segments = objects.filter((o) => o.key.endsWith('.ts'));
    if (!hasOpenSession(stream.status)) {
      const idleMs = this.options.clock.now().getTime() - Date.parse(stream.updatedAt);
      return idleMs >= retention ? segments.map((o) => o.key) : [];
    }
    // Live: keep what the playlists name, and the last `retention` of media of each rendition.
    const byRendition = new Map<string, Array<{ key: string; seq: number; durationMs: number }>>();
    for (const o of segments) {
      const parts = o.key.split('/');
      const parsed = parts.length === 4 ? parseSegmentFileName(parts[3] as string) : undefined;
      if (!parsed) continue; // a name without its duration: unknown age, kept until the session ends
      const list = byRendition.get(parts[2] as string) ?? [];
      list.push({ key: o.key, seq: parsed.seq, durationMs: parsed.durationMs });
      byRendition.set(parts[2] as string, list);
    }
    const doomed: string[] = [];
    for (const [rendition, list] of byRendition) {
      const named = await this.namedByPlaylist(`${LIVE_PREFIX}${stream.id}/${rendition}/`);
      if (named === undefined) continue; // playlist unreadable right now: delete nothing
      list.sort((a, b) => b.seq - a.seq);
      let behindMs = 0;
      for (const s of list) {
        if (behindMs >= retention && !named.has(s.key)) doomed.push(s.key);
        behindMs += s.durationMs;
      }
    }
    return doomed;
  }

  /** Keys of every segment the rendition's live playlist names (resolved against its folder). */
  private async namedByPlaylist(folder: string): Promise<Set<string> | undefined> {
    const body = await this.options.objectStore.get(`${folder}index.m3u8`);
    if (!body) return new Set();
    try {
      const playlist = parseMediaPlaylist(new TextDecoder().decode(body));
      return new Set(playlist.segments.map((s) => resolveKey(folder, s.uri)).filter((k): k is string => k !== undefined));
    } catch (err) {
      if (err instanceof PlaylistError) return undefined;
      throw err;
    }
  }
}

/** A playlist URI relative to `folder`, as an object key; undefined for absolute URLs. */
function resolveKey(folder: string, uri: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return undefined;
  const parts = folder.split('/').filter(Boolean);
  for (const part of uri.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return parts.join('/');
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
