/**
 * The packager of one live session of one stream. It follows the segment lists ffmpeg writes to scratch,
 * uploads each complete segment under the packager's own sequence number, then rewrites that rendition's
 * media playlist; once every rendition has a segment it writes the master playlist and announces `live`.
 * It owns numbering across transcoder restarts (`attach` per ffmpeg run), encoder reconnects and plane
 * restarts (`start` resumes from the store), keeping renditions aligned: sequence N is the same time span
 * in every rendition.
 * Must never: publish a playlist that names a segment not yet stored, reuse or lower a sequence number,
 * or delete a scratch segment before it is stored. It never deletes objects either (retention does).
 */
import { EventEmitter } from 'node:events';
import { access, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ValidationError } from '../../../../core/errors';
import { isId } from '../../../../core/ids';
import { targetDurationFor, writeMasterPlaylist } from '../../../../core/hls/playlist';
import { systemClock, type Clock } from '../../../../core/ports/clock';
import { silentLogger, type Logger } from '../../../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../../../core/ports/metrics';
import type { ObjectStore, PutOptions } from '../../../../core/ports/object-store';
import { liveMasterPlaylistKey, liveMediaPlaylistKey, mediaPlaylistUri, renditionsFileKey, segmentKey, segmentUri } from '../../../../core/media/layout';
import { parseRenditionsFile, type RenditionInfo } from '../../../../core/recordings/renditions-file';
import { LineTailer } from './csv-tailer';
import { loadResumeState } from './resume';
import { DEFAULT_RETRY_POLICY, retry, type RetryPolicy } from './retry';
import { RenditionTrack, type TrackEntry } from './rendition-track';
import { SEGMENT_LIST_FILE } from '../transcoder/ffmpeg-args';
import { nextSegmentFilename, parseSegmentListLine, type SegmentListEntry } from './segment-list';
import type { PackagerEvents, PackagerOptions, PackagerStats, RenditionPlan, RenditionStats, StopOptions } from './types';

/** Published segments never change: CDNs and players may keep them for a year. */
export const SEGMENT_PUT_OPTIONS: PutOptions = { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' };
/**
 * Live playlists change every segment (2 s): one second is about half a segment, so a CDN serves a window
 * at most one refresh old while a crowd's refreshes still collapse into one origin read.
 */
export const PLAYLIST_PUT_OPTIONS: PutOptions = { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=1' };
/** The recording's rendition plan: read by the finalizer only, never cached. */
export const RENDITION_PLAN_PUT_OPTIONS: PutOptions = { contentType: 'application/json', cacheControl: 'no-cache' };

const DEFAULT_LIVE_WINDOW = 6;
const MIN_LIVE_WINDOW = 4;
const FINAL_WRITE_TIMEOUT_MS = 10_000;

export class PackagerStateError extends Error {
  override readonly name = 'PackagerStateError';
  readonly code = 'packager_state';
}

/** One ffmpeg run: its scratch folder, where its numbering starts, and its discontinuity domain. */
interface Generation {
  id: number;
  dir: string;
  /** Sequence number of ffmpeg's segment index 0 in this run. */
  base: number;
  /** Assigned when the run lists its first segment, so a run that produced nothing leaves no trace. */
  domain?: number;
  /** Wall-clock ms of the run's timeline zero, for EXT-X-PROGRAM-DATE-TIME. */
  anchorMs?: number;
  tailers: Map<string, LineTailer>;
  /** The run has ended (a newer one is attached, or detach/stop): no more lines, files are complete. */
  closed: boolean;
  /** Listed segments of this run not yet published. */
  pending: number;
}

interface Job {
  gen: Generation;
  sequence: number;
  entry: SegmentListEntry;
  file: string;
  pdtMs?: number;
  detectedAtMs: number;
}

interface Rendition {
  plan: RenditionPlan;
  track: RenditionTrack;
  queue: Job[];
  working: boolean;
  /** Next sequence not yet given to a listed segment (>= track.nextSequence). */
  assignedNext: number;
  publishedThisSession: number;
  stats: RenditionStats;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const STREAM_ID = /^[A-Za-z0-9_-]{1,128}$/;

export class Packager extends EventEmitter<PackagerEvents> {
  readonly streamId: string;
  /** Set when the session is recorded: segments are stored under the recording (see core/media/layout.ts). */
  readonly recordingId: string | undefined;
  private readonly plans: ReadonlyArray<RenditionPlan>;
  private readonly store: ObjectStore;
  private readonly segmentSeconds: number;
  private readonly liveWindow: number;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly settleMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly writeProgramDateTime: boolean;
  private readonly masterText: string;

  private state: PackagerStats['state'] = 'created';
  private readonly abort = new AbortController();
  private readonly renditions = new Map<string, Rendition>();
  private readonly renditionStats = new Map<string, RenditionStats>();
  private current: Generation | undefined;
  private generationCount = 0;
  /** Where each run's domain starts, ascending: the discontinuity number of any sequence. */
  private readonly boundaries: Array<{ base: number; domain: number }> = [];
  private resumedDomain: number | undefined;
  private nextDomain = 0;
  /** Duration and date of recent sequences, so a rendition missing one can publish a matching gap. */
  private readonly timeline = new Map<number, { duration: number; pdtMs?: number }>();
  private lastPdtEndMs = Number.NEGATIVE_INFINITY;
  private targetDuration: number;
  private liveState: 'waiting' | 'publishing' | 'live' = 'waiting';
  private masterTask: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private serialChain: Promise<unknown> = Promise.resolve();
  private waiters: Array<() => void> = [];
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<PackagerStats> | undefined;

  constructor(options: PackagerOptions) {
    super();
    validateOptions(options);
    this.streamId = options.streamId;
    this.recordingId = options.recordingId;
    this.plans = [...options.renditions];
    this.store = options.objectStore;
    this.segmentSeconds = options.segmentSeconds ?? 2;
    this.liveWindow = options.liveWindow ?? DEFAULT_LIVE_WINDOW;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noopMetrics;
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.settleMs = options.settleMs ?? 100;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.writeProgramDateTime = options.programDateTime ?? true;
    this.targetDuration = targetDurationFor([], this.segmentSeconds);
    // Built now so a bad ladder (codecs, sizes) fails at construction, not when the stream goes live.
    this.masterText = writeMasterPlaylist({
      variants: this.plans.map((p) => ({
        uri: mediaPlaylistUri(p.name),
        bandwidth: p.bandwidth,
        ...(p.averageBandwidth !== undefined ? { averageBandwidth: p.averageBandwidth } : {}),
        codecs: p.codecs,
        ...(p.width !== undefined && p.height !== undefined ? { resolution: { width: p.width, height: p.height } } : {}),
        ...(p.fps !== undefined ? { frameRate: p.fps } : {}),
      })),
    });
    for (const plan of this.plans) {
      this.renditionStats.set(plan.name, { segmentsUploaded: 0, gapsPublished: 0, pending: 0, uploadRetries: 0, maxUploadMs: 0, totalUploadMs: 0 });
    }
  }

  /**
   * Reads what is already published for the stream (playlists and segment objects) so numbering continues
   * after it; retries store errors until they clear or `stop` is called. Must be awaited before `attach`.
   */
  start(): Promise<void> {
    if (this.startPromise) return this.startPromise;
    if (this.state !== 'created') return Promise.reject(new PackagerStateError(`cannot start: the packager is ${this.state}`));
    this.state = 'starting';
    this.startPromise = (async () => {
      const names = this.plans.map((p) => p.name);
      const resumed = await retry(() => loadResumeState(this.store, this.streamId, names, this.logger, this.recordingId), this.retryPolicy, {
        signal: this.abort.signal,
        onRetry: (err, attempt) => this.logger.warn('packager: cannot read published state yet; retrying', { streamId: this.streamId, attempt, error: describe(err) }),
      });
      // Before any segment of this run is stored, so the finalizer always knows the renditions it finds.
      if (this.recordingId) {
        await retry(() => this.writeRenditionPlan(this.recordingId as string), this.retryPolicy, {
          signal: this.abort.signal,
          onRetry: (err, attempt) => this.logger.warn('packager: cannot write the recording\'s rendition plan yet; retrying', { streamId: this.streamId, attempt, error: describe(err) }),
        });
      }
      this.resumedDomain = resumed.lastDiscontinuitySequence;
      this.nextDomain = this.resumedDomain === undefined ? 0 : this.resumedDomain + 1;
      this.targetDuration = targetDurationFor([], Math.max(this.targetDuration, resumed.targetDuration ?? 0));
      for (const plan of this.plans) {
        const previous = resumed.renditions.get(plan.name);
        const track = new RenditionTrack(plan.name, this.liveWindow, previous, (entry) => segmentUri(plan.name, entry, this.recordingId));
        const stats = this.renditionStats.get(plan.name) as RenditionStats;
        if (track.lastSequence !== undefined) stats.lastSequence = track.lastSequence;
        const assignedNext = Math.max(track.nextSequence, previous?.reservedUntil ?? 0);
        this.renditions.set(plan.name, { plan, track, queue: [], working: false, assignedNext, publishedThisSession: 0, stats });
      }
      if (this.state === 'starting') this.state = 'running';
      this.logger.info('packager: started', {
        streamId: this.streamId,
        resumed: this.resumedDomain !== undefined || [...this.renditions.values()].some((r) => r.track.nextSequence > 0),
        nextSequence: this.nextFreeSequence(),
      });
    })();
    return this.startPromise;
  }

  /**
   * Follows a new ffmpeg run writing to `scratchDir` (`<scratchDir>/<rendition>/segments.csv`). Ends the
   * previous run first: its remaining listed segments are still uploaded from its folder. The new run's
   * segment index 0 gets the next free sequence number of all renditions, and a discontinuity.
   * Contract: call it before (or right after) spawning ffmpeg, after the previous ffmpeg exited, with a
   * folder holding no segment list from an earlier run. Prefer a fresh folder per run; when reusing one,
   * clear it only after `released` for the previous run, or its unuploaded segments are lost.
   * Rejects (PackagerStateError) before start() has resolved; after stop() it logs and does nothing.
   */
  attach(scratchDir: string): Promise<void> {
    return this.serial(async () => {
      if (this.state === 'stopping' || this.state === 'stopped') {
        // A transcoder restart racing the session's stop: nothing to follow, and not worth a crash.
        this.logger.warn('packager: ignoring attach after stop', { streamId: this.streamId, scratchDir });
        return;
      }
      this.assertRunning('attach');
      if (this.current) await this.closeCurrent();
      const gen: Generation = { id: ++this.generationCount, dir: resolve(scratchDir), base: this.nextFreeSequence(), closed: false, pending: 0, tailers: new Map() };
      for (const plan of this.plans) {
        const path = join(gen.dir, plan.name, SEGMENT_LIST_FILE);
        gen.tailers.set(plan.name, new LineTailer(path, (message) => this.logger.warn(`packager: ${message}`, { streamId: this.streamId, generation: gen.id })));
      }
      this.current = gen;
      this.logger.info('packager: following transcoder run', { streamId: this.streamId, generation: gen.id, scratchDir: gen.dir, firstSequence: gen.base });
      await this.pollGeneration(gen);
      this.schedulePoll();
    });
  }

  /** Ends the current run without starting another (ffmpeg exited; the supervisor is backing off). */
  detach(): Promise<void> {
    return this.serial(async () => {
      if (this.current) await this.closeCurrent();
    });
  }

  /**
   * Stops following scratch, publishes what is already listed (up to `drainTimeoutMs`; the rest stays on
   * scratch and is logged), writes final playlists — with EXT-X-ENDLIST when `endList` — and resolves with
   * the final stats. Idempotent.
   */
  stop(options: StopOptions = {}): Promise<PackagerStats> {
    if (this.stopPromise) return this.stopPromise;
    if (this.state === 'created' || this.state === 'starting') {
      const wasStarting = this.startPromise;
      this.state = 'stopped';
      this.abort.abort();
      this.stopPromise = (wasStarting ?? Promise.resolve()).then(
        () => this.stats(),
        () => this.stats(),
      );
      return this.stopPromise;
    }
    this.state = 'stopping';
    this.stopPromise = this.serial(async () => {
      this.clearPollTimer();
      if (this.current) await this.closeCurrent();
      const drained = await this.waitUntil(() => this.isDrained(), options.drainTimeoutMs ?? 30_000);
      if (!drained) {
        const pending = Object.fromEntries([...this.renditions].map(([name, r]) => [name, r.queue.length]));
        this.logger.error('packager: stopping with segments not yet uploaded; they stay on scratch', { streamId: this.streamId, pending });
      }
      this.abort.abort();
      await this.waitUntil(() => this.workersStopped(), FINAL_WRITE_TIMEOUT_MS);
      const endList = options.endList ?? false;
      const finalSignal = AbortSignal.timeout(FINAL_WRITE_TIMEOUT_MS);
      for (const rendition of this.renditions.values()) {
        if (!rendition.track.hasSegments || !(endList || rendition.track.dirty)) continue;
        try {
          await this.storePlaylist(rendition, endList, finalSignal);
        } catch (err) {
          this.logger.error('packager: could not write the final playlist', { streamId: this.streamId, rendition: rendition.plan.name, error: describe(err) });
        }
      }
      this.state = 'stopped';
      this.logger.info('packager: stopped', { streamId: this.streamId, endList });
      return this.stats();
    });
    return this.stopPromise;
  }

  /** A snapshot for metrics and the session API. */
  stats(): PackagerStats {
    const renditions: Record<string, RenditionStats> = {};
    for (const [name, stats] of this.renditionStats) renditions[name] = { ...stats };
    return { streamId: this.streamId, state: this.state, live: this.liveState === 'live', generations: this.generationCount, targetDuration: this.targetDuration, renditions };
  }

  // -------------------------------------------------------------------------------------------------------
  // Following scratch

  private schedulePoll(): void {
    this.clearPollTimer();
    if (this.state !== 'running' || !this.current) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.serial(async () => {
        if (this.state !== 'running' || !this.current) return;
        await this.pollGeneration(this.current);
        this.schedulePoll();
      });
    }, this.pollIntervalMs);
  }

  private clearPollTimer(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async pollGeneration(gen: Generation): Promise<void> {
    for (const rendition of this.renditions.values()) {
      const tailer = gen.tailers.get(rendition.plan.name) as LineTailer;
      let lines: string[];
      try {
        lines = await tailer.readLines();
      } catch (err) {
        this.logger.warn('packager: cannot read a segment list; will retry', { streamId: this.streamId, rendition: rendition.plan.name, path: tailer.path, error: describe(err) });
        continue;
      }
      for (const line of lines) this.enqueue(gen, rendition, line);
    }
  }

  private async closeCurrent(): Promise<void> {
    const gen = this.current as Generation;
    // The run is over: whatever it listed is final, so read it all before numbering moves on.
    await this.pollGeneration(gen);
    for (const [name, tailer] of gen.tailers) {
      if (tailer.pendingBytes > 0) this.logger.warn('packager: run ended with an unfinished segment list line; ignoring it', { streamId: this.streamId, rendition: name, generation: gen.id });
    }
    this.current = undefined;
    this.clearPollTimer();
    gen.closed = true;
    this.maybeRelease(gen);
    this.notify();
  }

  private enqueue(gen: Generation, rendition: Rendition, line: string): void {
    let entry: SegmentListEntry;
    try {
      entry = parseSegmentListLine(line);
    } catch (err) {
      this.logger.error('packager: ignoring an unusable segment list line', { streamId: this.streamId, rendition: rendition.plan.name, generation: gen.id, error: describe(err) });
      this.metrics.count('packager_bad_segment_lines', 1, { rendition: rendition.plan.name });
      return;
    }
    const sequence = gen.base + entry.index;
    if (sequence < rendition.assignedNext) {
      this.logger.error('packager: segment listed again or out of order; ignoring it', { streamId: this.streamId, rendition: rendition.plan.name, generation: gen.id, file: entry.filename, sequence, next: rendition.assignedNext });
      return;
    }
    if (gen.domain === undefined) {
      gen.domain = this.nextDomain++;
      this.boundaries.push({ base: gen.base, domain: gen.domain });
    }
    const nowMs = this.clock.now().getTime();
    let pdtMs: number | undefined;
    if (this.writeProgramDateTime) {
      // One anchor per run, shared by its renditions, so their dates agree; never before the last date
      // published, so dates keep increasing across restarts.
      gen.anchorMs ??= Math.max(nowMs - entry.end * 1000, this.lastPdtEndMs - entry.start * 1000);
      pdtMs = Math.round(gen.anchorMs + entry.start * 1000);
      this.lastPdtEndMs = Math.max(this.lastPdtEndMs, pdtMs + entry.duration * 1000);
    }
    if (!this.timeline.has(sequence)) this.timeline.set(sequence, pdtMs === undefined ? { duration: entry.duration } : { duration: entry.duration, pdtMs });
    const target = targetDurationFor([entry.duration], this.targetDuration);
    if (target > this.targetDuration) {
      this.logger.warn('packager: segment longer than the target duration; raising it', { streamId: this.streamId, rendition: rendition.plan.name, duration: entry.duration, targetDuration: target });
      this.targetDuration = target;
    }
    const job: Job = { gen, sequence, entry, file: join(gen.dir, rendition.plan.name, entry.filename), detectedAtMs: nowMs };
    if (pdtMs !== undefined) job.pdtMs = pdtMs;
    rendition.queue.push(job);
    rendition.assignedNext = sequence + 1;
    rendition.stats.pending++;
    gen.pending++;
    void this.runWorker(rendition);
  }

  // -------------------------------------------------------------------------------------------------------
  // Publishing

  /**
   * `recordings/<id>/renditions.json`: the union of every run's plan. Names seen before keep their place
   * (the master playlist's order); this run's values win for names it has (it is what is stored now).
   */
  private async writeRenditionPlan(recordingId: string): Promise<void> {
    const key = renditionsFileKey(recordingId);
    const body = await this.store.get(key);
    const previous = parseRenditionsFile(body === undefined ? undefined : Buffer.from(body).toString('utf8')) ?? [];
    const current = new Map(this.plans.map((p) => [p.name, renditionInfo(p)]));
    const merged = [...previous.map((r) => current.get(r.name) ?? r), ...this.plans.filter((p) => !previous.some((r) => r.name === p.name)).map(renditionInfo)];
    await this.store.put(key, JSON.stringify(merged), RENDITION_PLAN_PUT_OPTIONS);
  }

  /** One worker per rendition publishes its segments in order; renditions proceed in parallel. */
  private async runWorker(rendition: Rendition): Promise<void> {
    if (rendition.working) return;
    rendition.working = true;
    try {
      while (rendition.queue.length > 0 && !this.abort.signal.aborted) {
        const job = rendition.queue[0] as Job;
        await this.publish(rendition, job);
        rendition.queue.shift();
        rendition.stats.pending--;
        job.gen.pending--;
        this.maybeRelease(job.gen);
        this.pruneTimeline();
        this.notify();
      }
    } catch (err) {
      if (!this.abort.signal.aborted) this.logger.error('packager: rendition worker failed; will resume with the next listed segment', { streamId: this.streamId, rendition: rendition.plan.name, error: describe(err) });
    } finally {
      rendition.working = false;
      this.notify();
    }
  }

  private async publish(rendition: Rendition, job: Job): Promise<void> {
    const signal = this.abort.signal;
    const name = rendition.plan.name;
    if (!job.gen.closed) await this.waitUntilComplete(job, signal);
    const body = await retry(() => readIfPresent(job.file), this.retryPolicy, { signal, onRetry: (err) => this.logger.warn('packager: cannot read a scratch segment; retrying', { streamId: this.streamId, rendition: name, file: job.file, error: describe(err) }) });
    const key = segmentKey(this.streamId, name, { sequence: job.sequence, duration: job.entry.duration, discontinuitySequence: this.domainOf(job.sequence) }, this.recordingId);

    let uploadMs = 0;
    if (body) {
      const started = performance.now();
      await retry(() => this.store.put(key, body, SEGMENT_PUT_OPTIONS), this.retryPolicy, {
        signal,
        onRetry: (err, attempt, wait) => {
          rendition.stats.uploadRetries++;
          this.metrics.count('packager_upload_retries', 1, { rendition: name });
          this.logger.warn('packager: segment upload failed; retrying', { streamId: this.streamId, rendition: name, sequence: job.sequence, attempt, retryInMs: wait, error: describe(err) });
        },
      });
      uploadMs = performance.now() - started;
    } else {
      // Someone removed the file from scratch: nothing to upload, but the position must stay a known gap.
      this.logger.error('packager: scratch segment vanished before upload; publishing a gap', { streamId: this.streamId, rendition: name, sequence: job.sequence, file: job.file });
    }

    const entry: TrackEntry = { sequence: job.sequence, duration: job.entry.duration, discontinuitySequence: this.domainOf(job.sequence) };
    if (!body) entry.gap = true;
    if (job.pdtMs !== undefined) entry.programDateTime = new Date(job.pdtMs).toISOString();
    const { gapSequences, discontinuity } = rendition.track.append(entry, (seq) => this.gapFiller(seq));
    await this.storePlaylist(rendition, false, signal);

    if (body) await unlink(job.file).catch((err: unknown) => this.logger.warn('packager: could not delete a stored segment from scratch', { streamId: this.streamId, file: job.file, error: describe(err) }));

    const stats = rendition.stats;
    stats.lastSequence = job.sequence;
    stats.gapsPublished += gapSequences.length + (body ? 0 : 1);
    for (const sequence of gapSequences) this.safeEmit('gap', { streamId: this.streamId, rendition: name, sequence, reason: 'missing_in_rendition' });
    if (gapSequences.length > 0) this.metrics.count('packager_gaps', gapSequences.length, { rendition: name });
    if (!body) {
      this.metrics.count('packager_gaps', 1, { rendition: name });
      this.safeEmit('gap', { streamId: this.streamId, rendition: name, sequence: job.sequence, reason: 'scratch_file_lost' });
      return;
    }
    const publishLatencyMs = Math.max(0, this.clock.now().getTime() - job.detectedAtMs);
    stats.segmentsUploaded++;
    stats.lastUploadMs = uploadMs;
    stats.maxUploadMs = Math.max(stats.maxUploadMs, uploadMs);
    stats.totalUploadMs += uploadMs;
    stats.lastPublishLatencyMs = publishLatencyMs;
    this.metrics.count('packager_segments_uploaded', 1, { rendition: name });
    this.metrics.timing('packager_segment_upload_ms', uploadMs, { rendition: name });
    this.metrics.timing('packager_publish_latency_ms', publishLatencyMs, { rendition: name });
    rendition.publishedThisSession++;
    this.safeEmit('segment', { streamId: this.streamId, rendition: name, sequence: job.sequence, duration: job.entry.duration, key, discontinuity, uploadMs, publishLatencyMs });
    this.maybeGoLive();
  }

  private async storePlaylist(rendition: Rendition, endList: boolean, signal: AbortSignal): Promise<void> {
    this.targetDuration = targetDurationFor(rendition.track.durations(), this.targetDuration);
    const text = rendition.track.render({ targetDuration: this.targetDuration, endList });
    await retry(() => this.store.put(liveMediaPlaylistKey(this.streamId, rendition.plan.name), text, PLAYLIST_PUT_OPTIONS), this.retryPolicy, {
      signal,
      onRetry: (err, attempt) => this.logger.warn('packager: playlist write failed; retrying', { streamId: this.streamId, rendition: rendition.plan.name, attempt, error: describe(err) }),
    });
    rendition.track.dirty = false;
  }

  /** The first playable master: every rendition has a segment of this session in its playlist. */
  private maybeGoLive(): void {
    if (this.liveState !== 'waiting') return;
    if (![...this.renditions.values()].every((r) => r.publishedThisSession > 0)) return;
    this.liveState = 'publishing';
    const key = liveMasterPlaylistKey(this.streamId);
    this.masterTask = retry(() => this.store.put(key, this.masterText, PLAYLIST_PUT_OPTIONS), this.retryPolicy, {
      signal: this.abort.signal,
      onRetry: (err, attempt) => this.logger.warn('packager: master playlist write failed; retrying', { streamId: this.streamId, attempt, error: describe(err) }),
    })
      .then(() => {
        this.liveState = 'live';
        this.logger.info('packager: stream is playable', { streamId: this.streamId, masterKey: key });
        this.safeEmit('live', { streamId: this.streamId, masterKey: key, at: this.clock.now() });
      })
      .catch((err: unknown) => {
        this.liveState = 'waiting';
        if (!this.abort.signal.aborted) this.logger.error('packager: could not publish the master playlist', { streamId: this.streamId, error: describe(err) });
      })
      .finally(() => {
        this.masterTask = undefined;
        this.notify();
      });
  }

  /**
   * ffmpeg lists a segment just before closing its file. The file is complete once the next segment file
   * exists (ffmpeg opens it right after closing this one), the run has ended, or its size holds still.
   */
  private async waitUntilComplete(job: Job, signal: AbortSignal): Promise<void> {
    const next = join(dirname(job.file), nextSegmentFilename(job.entry.filename));
    while (!job.gen.closed) {
      if (await exists(next)) return;
      const before = await sizeOf(job.file);
      if (before === undefined) return;
      await delay(this.settleMs, undefined, { signal });
      if (job.gen.closed || (await exists(next))) return;
      if ((await sizeOf(job.file)) === before) return;
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Numbering

  /** The next sequence no rendition has used or been promised: where a new run's index 0 goes. */
  private nextFreeSequence(): number {
    let next = 0;
    for (const r of this.renditions.values()) next = Math.max(next, r.assignedNext, r.track.nextSequence);
    return next;
  }

  private domainOf(sequence: number): number {
    for (let i = this.boundaries.length - 1; i >= 0; i--) {
      const b = this.boundaries[i] as { base: number; domain: number };
      if (b.base <= sequence) return b.domain;
    }
    // Before this packager's first run: the last domain published before it.
    return this.resumedDomain ?? 0;
  }

  private gapFiller(sequence: number): Omit<TrackEntry, 'sequence' | 'gap'> {
    const known = this.timeline.get(sequence);
    const filler: Omit<TrackEntry, 'sequence' | 'gap'> = { duration: known?.duration ?? this.segmentSeconds, discontinuitySequence: this.domainOf(sequence) };
    if (known?.pdtMs !== undefined) filler.programDateTime = new Date(known.pdtMs).toISOString();
    return filler;
  }

  private pruneTimeline(): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const r of this.renditions.values()) lowest = Math.min(lowest, r.track.nextSequence);
    for (const seq of this.timeline.keys()) if (seq < lowest) this.timeline.delete(seq);
  }

  // -------------------------------------------------------------------------------------------------------
  // Plumbing

  private maybeRelease(gen: Generation): void {
    if (!gen.closed || gen.pending > 0) return;
    // A reused folder belongs to the current run now; "released" would invite deleting it.
    if (this.current && this.current.dir === gen.dir) return;
    this.safeEmit('released', { streamId: this.streamId, scratchDir: gen.dir, generation: gen.id });
  }

  private isDrained(): boolean {
    return this.masterTask === undefined && [...this.renditions.values()].every((r) => r.queue.length === 0 && !r.working);
  }

  private workersStopped(): boolean {
    return this.masterTask === undefined && [...this.renditions.values()].every((r) => !r.working);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
    return true;
  }

  /** attach/detach/poll/stop run one at a time, so numbering decisions never interleave. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serialChain.then(task);
    this.serialChain = run.catch(() => {});
    return run;
  }

  private assertRunning(action: string): void {
    if (this.state !== 'running') throw new PackagerStateError(`cannot ${action}: the packager is ${this.state} (call start() first, and not after stop())`);
  }

  private safeEmit<K extends keyof PackagerEvents>(event: K, ...args: PackagerEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: PackagerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error('packager: event listener threw', { streamId: this.streamId, event, error: describe(err) });
    }
  }
}

function validateOptions(options: PackagerOptions): void {
  const problems: Array<{ path: string; message: string }> = [];
  if (typeof options.streamId !== 'string' || !STREAM_ID.test(options.streamId)) problems.push({ path: 'streamId', message: 'must be 1-128 characters of [A-Za-z0-9_-]' });
  if (!Array.isArray(options.renditions) || options.renditions.length === 0) problems.push({ path: 'renditions', message: 'must list at least one rendition' });
  const seen = new Set<string>();
  (options.renditions ?? []).forEach((r, i) => {
    if (typeof r.name !== 'string' || !NAME.test(r.name)) problems.push({ path: `renditions[${i}].name`, message: 'must be 1-64 characters of [A-Za-z0-9_-]' });
    else if (seen.has(r.name)) problems.push({ path: `renditions[${i}].name`, message: `duplicate rendition ${r.name}` });
    seen.add(r.name);
  });
  const { segmentSeconds, liveWindow, pollIntervalMs, settleMs } = options;
  if (segmentSeconds !== undefined && !(Number.isFinite(segmentSeconds) && segmentSeconds > 0 && segmentSeconds <= 60)) problems.push({ path: 'segmentSeconds', message: 'must be a number in (0, 60]' });
  if (liveWindow !== undefined && !(Number.isInteger(liveWindow) && liveWindow >= MIN_LIVE_WINDOW && liveWindow <= 1000)) problems.push({ path: 'liveWindow', message: `must be an integer from ${MIN_LIVE_WINDOW} to 1000` });
  if (pollIntervalMs !== undefined && !(Number.isFinite(pollIntervalMs) && pollIntervalMs >= 5)) problems.push({ path: 'pollIntervalMs', message: 'must be at least 5' });
  if (settleMs !== undefined && !(Number.isFinite(settleMs) && settleMs >= 0)) problems.push({ path: 'settleMs', message: 'must be a non-negative number' });
  if (!options.objectStore) problems.push({ path: 'objectStore', message: 'is required' });
  if (options.recordingId !== undefined && !isId('recording', options.recordingId)) problems.push({ path: 'recordingId', message: 'must be a recording id (rec_…)' });
  if (problems.length > 0) throw new ValidationError(`Invalid packager options: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}.`, problems);
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

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
