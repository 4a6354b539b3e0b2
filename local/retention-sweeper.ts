/**
 * The local plane's retention (in the cloud, S3 lifecycle rules do this): on an injected interval it
 * deletes recordings past their retention (through the same use case as the API's delete), and live
 * segments of streams that are not recorded once they are old enough that no player can want them (the
 * rule is core/media/live-retention.ts; this file reads what it needs and deletes what it chooses).
 *
 * Must never: delete a segment a live playlist names, touch `recordings/` outside the recording use case,
 * delete a recording still being written, or run two sweeps at once.
 */
import { expiredLiveObjects, keysNamedByLivePlaylist, livePlaylistRenditions, type LiveStreamState } from '../core/media/live-retention';
import { LIVE_PREFIX, liveMediaPlaylistKey, liveStreamIdOf } from '../core/media/layout';
import type { Clock } from '../core/ports/clock';
import { silentLogger, type Logger } from '../core/ports/logger';
import type { ObjectStore, StoredObject } from '../core/ports/object-store';
import type { RecordingStore } from '../core/ports/recording-store';
import type { StreamStore } from '../core/ports/stream-store';
import { type RetentionSettings, sweepRecordingRetention } from '../core/recordings/retention';
import { hasOpenSession } from '../core/streams/stream';

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
      const streamId = liveStreamIdOf(object.key);
      if (!streamId) continue;
      const list = byStream.get(streamId) ?? [];
      list.push(object);
      byStream.set(streamId, list);
    }
    let deleted = 0;
    for (const [streamId, objects] of byStream) {
      try {
        const doomed = expiredLiveObjects(objects, await this.liveStateOf(streamId, objects), this.options.liveRetentionMs ?? DEFAULT_LIVE_RETENTION_MS);
        for (let i = 0; i < doomed.length; i += DELETE_BATCH) await this.options.objectStore.delete(doomed.slice(i, i + DELETE_BATCH));
        deleted += doomed.length;
      } catch (err) {
        report.errors++;
        this.log.warn('retention: could not sweep live media of a stream; will try again', { streamId, error: describe(err) });
      }
    }
    return deleted;
  }

  /** What the live retention rule needs of a stream: its state, and for an open one what its playlists name. */
  private async liveStateOf(streamId: string, objects: ReadonlyArray<StoredObject>): Promise<LiveStreamState> {
    const stream = await this.options.streams.get(streamId);
    if (!stream) return { kind: 'deleted' };
    if (!hasOpenSession(stream.status)) return { kind: 'idle', idleMs: this.options.clock.now().getTime() - Date.parse(stream.updatedAt) };
    const named = new Map<string, Set<string> | undefined>();
    for (const rendition of livePlaylistRenditions(objects)) {
      const body = await this.options.objectStore.get(liveMediaPlaylistKey(streamId, rendition));
      named.set(rendition, body ? keysNamedByLivePlaylist(streamId, rendition, new TextDecoder().decode(body)) : new Set());
    }
    return { kind: 'open', named };
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
