/**
 * The packager of one live session of one stream. It follows the segment lists ffmpeg writes to scratch,
 * uploads each complete segment under the packager's own sequence number, then rewrites that rendition's
 * media playlist; once every rendition has a segment it writes the master playlist and announces `live`.
 * It owns numbering across transcoder restarts (`attach` per ffmpeg run), encoder reconnects and plane
 * restarts (`start` resumes from the store), keeping renditions aligned: sequence N is the same time span
 * in every rendition.
 *
 * This class composes the parts and owns the order of things: the generation timeline (numbering,
 * discontinuities, dates), one upload worker per rendition, and the playlist writer. It sits just over
 * the ~400-line guideline because of these comments: the ordering rules are the point of the class.
 * Must never: publish a playlist that names a segment not yet stored, reuse or lower a sequence number,
 * or delete a scratch segment before it is stored. It never deletes objects either (retention does).
 */
import { EventEmitter } from 'node:events';
import { readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { roundUri, segmentKey, segmentUri } from '../../../../core/media/layout';
import { systemClock, type Clock } from '../../../../core/ports/clock';
import { silentLogger, type Logger } from '../../../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../../../core/ports/metrics';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { recordSegmentTiming, segmentTraceEnabled } from '../monitoring/segment-trace';
import { ConditionWaiter } from './condition-waiter';
import { readFileHeadSync } from './file-head';
import { describeError, PackagerStateError } from './errors';
import { GenerationTimeline, type Generation } from './generation-timeline';
import { DEFAULT_LIVE_WINDOW, validateOptions } from './options';
import { DvrWriter } from './dvr-writer';
import { PlaylistWriter } from './playlist-writer';
import { countGaps, countUploaded, emptyRenditionStats } from './rendition-stats';
import { RenditionTrack, type TrackEntry } from './rendition-track';
import { loadResumeState } from './resume';
import { DEFAULT_RETRY_POLICY, retry, type RetryPolicy } from './retry';
import { writeRunManifest as writeRunManifestFile, type RunManifest } from './run-manifest';
import { ScratchRun } from './scratch-run';
import { declaredKinds, inspectTsTracks, type TrackKind } from './ts-tracks';
import { parseSegmentListLine, type SegmentListEntry } from './segment-list';
import type { PackagerEvents, PackagerOptions, PackagerStats, RenditionPlan, RenditionStats, StopOptions } from './types';
import { readSegment, uploadSegment, UploadWorker, type SegmentUploadResult, type UploadJob } from './upload-worker';
import { SegmentRoundWriter, type StoredRoundMember } from './segment-round-writer';

const FINAL_WRITE_TIMEOUT_MS = 10_000;
/** How often a watched run's lists are polled anyway (the watch reads a new line at once). */
const WATCHED_POLL_INTERVAL_MS = 500;

interface Rendition {
  plan: RenditionPlan;
  track: RenditionTrack;
  worker: UploadWorker;
  /** Next sequence not yet given to a listed segment (>= track.nextSequence). */
  assignedNext: number;
  publishedThisSession: number;
  stats: RenditionStats;
}

export class Packager extends EventEmitter<PackagerEvents> {
  readonly streamId: string;
  /** Set when the session is recorded: segments are stored under the recording (see core/media/layout.ts). */
  readonly recordingId: string | undefined;
  private readonly dvr: DvrWriter | undefined;
  /** Set with `segmentRounds`: one object per sequence number for all renditions (segment-round-writer.ts). */
  private readonly rounds: SegmentRoundWriter | undefined;
  private readonly plans: ReadonlyArray<RenditionPlan>;
  private readonly store: ObjectStore;
  private readonly liveWindow: number;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly settleMs: number;
  private readonly retryPolicy: RetryPolicy;

  private state: PackagerStats['state'] = 'created';
  private readonly abort = new AbortController();
  private readonly timeline: GenerationTimeline;
  private readonly playlists: PlaylistWriter;
  private readonly changes = new ConditionWaiter();
  private readonly renditions = new Map<string, Rendition>();
  private readonly renditionStats = new Map<string, RenditionStats>();
  private current: ScratchRun | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** The current run's segment lists are watched (inotify): the timer poll is a fallback. */
  private watched = false;
  /** A poll asked for by a watch event is waiting on the serial chain. */
  private pollQueued = false;
  /** bench:density's trace only (STREAMPLANE_SEGMENT_TRACE): when each listed file's line was read, by which poll, after which watch event. */
  private readonly traceListed = new Map<string, { readAtMs: number; pollAtMs: number; changedAtMs: number }>();
  private pollStartedAtMs = 0;
  private listChangedAtMs = 0;
  private serialChain: Promise<unknown> = Promise.resolve();
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<PackagerStats> | undefined;
  /** Set by fence(): this writer lost the right to write the stream's playlists. */
  private fenced = false;

  constructor(options: PackagerOptions) {
    super();
    validateOptions(options);
    this.streamId = options.streamId;
    this.recordingId = options.recordingId;
    this.plans = [...options.renditions];
    this.store = options.objectStore;
    const segmentSeconds = options.segmentSeconds ?? 2;
    this.liveWindow = options.liveWindow ?? DEFAULT_LIVE_WINDOW;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noopMetrics;
    this.clock = options.clock ?? systemClock;
    // A listed segment waits on average half of this before it is uploaded: a start-up and latency cost.
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.settleMs = options.settleMs ?? 100;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const refresh = options.masterRefreshMs !== undefined ? { masterRefreshMs: options.masterRefreshMs } : {};
    this.timeline = new GenerationTimeline(segmentSeconds, options.programDateTime ?? true);
    this.dvr = this.recordingId && (options.dvrWindowSeconds ?? 0) > 0
      ? new DvrWriter({ streamId: this.streamId, recordingId: this.recordingId, plans: this.plans, store: this.store, windowSeconds: options.dvrWindowSeconds as number, segmentSeconds, logger: this.logger, ...refresh })
      : undefined;
    this.playlists = new PlaylistWriter({ streamId: this.streamId, plans: this.plans, store: this.store, retryPolicy: this.retryPolicy, logger: this.logger, segmentSeconds, signal: this.abort.signal, ...refresh, ...(options.masterVariantUri ? { variantUri: options.masterVariantUri } : {}), ...(options.playlistBundle ? { bundle: options.playlistBundle } : {}) });
    for (const plan of this.plans) {
      this.renditionStats.set(plan.name, emptyRenditionStats());
    }
    this.rounds = options.segmentRounds
      ? new SegmentRoundWriter({
          streamId: this.streamId,
          ...(this.recordingId ? { recordingId: this.recordingId } : {}),
          renditions: this.plans.map((p) => p.name),
          store: this.store,
          retryPolicy: this.retryPolicy,
          logger: this.logger,
          ...(options.segmentRounds.windowMs !== undefined ? { windowMs: options.segmentRounds.windowMs } : {}),
          onPutRetry: () => {
            this.metrics.count('packager_upload_retries', 1, { rendition: 'rounds' });
            this.metrics.count('segment_upload_failures', 1);
          },
        })
      : undefined;
  }

  /** Segment round PUTs stored so far (0 without `segmentRounds`): what the cost worksheet counts. */
  get roundPuts(): number {
    return this.rounds?.puts ?? 0;
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
        onRetry: (err, attempt) => this.logger.warn('packager: cannot read published state yet; retrying', { streamId: this.streamId, attempt, error: describeError(err) }),
      });
      // Before any segment of this run is stored, so the finalizer always knows the renditions it finds.
      if (this.recordingId) {
        await retry(() => this.playlists.writeRenditionPlan(this.recordingId as string), this.retryPolicy, {
          signal: this.abort.signal,
          onRetry: (err, attempt) => this.logger.warn('packager: cannot write the recording\'s rendition plan yet; retrying', { streamId: this.streamId, attempt, error: describeError(err) }),
        });
      }
      await this.dvr?.resume();
      this.timeline.resume(resumed.lastDiscontinuitySequence);
      this.playlists.resumeTargetDuration(resumed.targetDuration);
      for (const plan of this.plans) {
        const previous = resumed.renditions.get(plan.name);
        const track = new RenditionTrack(plan.name, this.liveWindow, previous, (entry) => segmentUri(plan.name, entry, this.recordingId));
        const stats = this.renditionStats.get(plan.name) as RenditionStats;
        if (track.lastSequence !== undefined) stats.lastSequence = track.lastSequence;
        const assignedNext = Math.max(track.nextSequence, previous?.reservedUntil ?? 0);
        const rendition: Rendition = { plan, track, worker: this.uploadWorkerFor(plan.name, stats, () => rendition), assignedNext, publishedThisSession: 0, stats };
        this.renditions.set(plan.name, rendition);
      }
      if (this.state === 'starting') this.state = 'running';
      this.logger.info('packager: started', {
        streamId: this.streamId,
        resumed: this.timeline.resumed || [...this.renditions.values()].some((r) => r.track.nextSequence > 0),
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
      const gen = this.timeline.open(resolve(scratchDir), this.nextFreeSequence());
      await this.writeRunManifest(gen);
      const run = new ScratchRun(gen, this.plans.map((p) => p.name), this.streamId, this.logger);
      this.current = run;
      // A closed segment is read when ffmpeg lists it, not at the next poll; the poll only backs that up.
      this.watched = run.watch(() => this.onListChanged(run));
      this.logger.info('packager: following transcoder run', { streamId: this.streamId, generation: gen.id, scratchDir: gen.dir, firstSequence: gen.base, watched: this.watched });
      await this.pollRun(run);
      this.schedulePoll();
    });
  }

  /**
   * Before ffmpeg writes anything: what scratch recovery needs to store this run's segments under the keys
   * this packager would use, should the process die before it uploads them (see scratch-recovery.ts).
   */
  private async writeRunManifest(gen: Generation): Promise<void> {
    const manifest: RunManifest = {
      version: 1,
      streamId: this.streamId,
      firstSequence: gen.base,
      discontinuitySequence: this.timeline.upcomingDomain,
      renditions: this.plans.map((p) => p.name),
      attachedAt: this.clock.now().toISOString(),
      ...(this.recordingId ? { recordingId: this.recordingId } : {}),
    };
    try {
      await retry(() => writeRunManifestFile(gen.dir, manifest), { ...this.retryPolicy, maxAttempts: 5 }, { signal: this.abort.signal });
    } catch (err) {
      // Live output matters more than crash recovery: follow the run anyway, and say what is at stake.
      this.metrics.count('packager_run_manifest_failures', 1);
      this.logger.error('packager: could not write the run manifest; a crash during this run would strand its segments on scratch', { streamId: this.streamId, scratchDir: gen.dir, error: describeError(err) });
    }
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
  /**
   * The writer lost the right to write the stream's output (its output lease is overdue or gone): every
   * upload and playlist write is aborted at once and nothing more is written, also by a stop() that runs
   * or follows (it keeps no drain and writes no final playlist). Idempotent; call stop() to finish.
   */
  fence(): void {
    if (this.fenced) return;
    this.fenced = true;
    this.logger.warn('packager: fenced; writing nothing more', { streamId: this.streamId });
    this.abort.abort();
    this.changes.notify();
  }

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
      const drained = await this.changes.waitUntil(() => this.fenced || this.isDrained(), options.drainTimeoutMs ?? 30_000);
      if (!drained && !this.fenced) {
        const pending = Object.fromEntries([...this.renditions].map(([name, r]) => [name, r.worker.queued]));
        this.logger.error('packager: stopping with segments not yet uploaded; they stay on scratch', { streamId: this.streamId, pending });
      }
      this.abort.abort();
      await this.changes.waitUntil(() => this.workersStopped(), FINAL_WRITE_TIMEOUT_MS);
      const endList = options.endList ?? false;
      const finalSignal = AbortSignal.timeout(FINAL_WRITE_TIMEOUT_MS);
      for (const rendition of this.renditions.values()) {
        if (this.fenced) break;
        if (!rendition.track.hasSegments || !(endList || rendition.track.dirty)) continue;
        try {
          await this.playlists.storeMediaPlaylist(rendition.plan.name, rendition.track, endList, finalSignal);
        } catch (err) {
          this.logger.error('packager: could not write the final playlist', { streamId: this.streamId, rendition: rendition.plan.name, error: describeError(err) });
        }
      }
      if (!this.fenced) await this.dvr?.finish(endList);
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
    return { streamId: this.streamId, state: this.state, live: this.playlists.live, generations: this.timeline.generations, targetDuration: this.playlists.currentTargetDuration, renditions };
  }

  // -------------------------------------------------------------------------------------------------------
  // Following scratch

  /**
   * A watched segment list changed: poll now (once; a change while that poll waits its turn is read by
   * it). Its lines go through the same serial poll as the timer's, so nothing is handed on twice.
   */
  private onListChanged(run: ScratchRun): void {
    this.listChangedAtMs = Date.now();
    if (this.state !== 'running' || this.current !== run || this.pollQueued) return;
    this.pollQueued = true;
    void this.serial(async () => {
      this.pollQueued = false;
      if (this.state !== 'running' || this.current !== run) return;
      await this.pollRun(run);
      this.schedulePoll();
    });
  }

  private schedulePoll(): void {
    this.clearPollTimer();
    if (this.state !== 'running' || !this.current) return;
    // Watched, the poll is only the fallback (a lost event, a folder inotify cannot see): less often.
    const interval = this.watched ? Math.max(this.pollIntervalMs, WATCHED_POLL_INTERVAL_MS) : this.pollIntervalMs;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.serial(async () => {
        if (this.state !== 'running' || !this.current) return;
        await this.pollRun(this.current);
        this.schedulePoll();
      });
    }, interval);
  }

  private clearPollTimer(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private pollRun(run: ScratchRun): Promise<void> {
    this.pollStartedAtMs = Date.now();
    return run.poll((name, line) => this.listed(run, this.renditions.get(name) as Rendition, line));
  }

  /**
   * A segment listed while the run goes on. One that lacks a track its rendition declares may be the run's
   * last (ffmpeg stopped by a signal writes its last video frames without the audio it still held): it
   * waits for the next line (then it was not the last and is published as it is) or the run's end.
   */
  private async listed(run: ScratchRun, rendition: Rendition, line: string): Promise<void> {
    const name = rendition.plan.name;
    if (segmentTraceEnabled()) this.traceListed.set(join(run.gen.dir, name, line.split(',')[0] ?? ''), { readAtMs: Date.now(), pollAtMs: this.pollStartedAtMs, changedAtMs: this.listChangedAtMs });
    const held = run.heldTail.get(name);
    if (held !== undefined) {
      run.heldTail.delete(name);
      this.enqueue(run.gen, rendition, held);
    }
    if ((await this.missingTracks(run, rendition, line)).length > 0) run.heldTail.set(name, line);
    else this.enqueue(run.gen, rendition, line);
  }

  /** Declared kinds (the rendition's codecs) the listed segment's file carries no packet of; none if unreadable. */
  private async missingTracks(run: ScratchRun, rendition: Rendition, line: string): Promise<TrackKind[]> {
    const declared = declaredKinds(rendition.plan.codecs);
    if (declared.length < 2) return [];
    let filename: string;
    try {
      filename = parseSegmentListLine(line).filename;
    } catch {
      return []; // enqueue reports it
    }
    const path = join(run.gen.dir, rendition.plan.name, filename);
    // Every listed segment is checked, so read only its head first (the upload reads the file anyway):
    // both tracks start within a fraction of a second of a segment's start; only a head lacking one is
    // worth reading whole.
    // Synchronously (file-head.ts): the file is on local scratch, just written, and this read stands
    // between the segment being listed and being queued for upload.
    let head: Buffer | undefined;
    try {
      head = readFileHeadSync(path, TRACK_CHECK_HEAD_BYTES);
    } catch {
      head = undefined;
    }
    if (!head) return [];
    const missing = missingKinds(head, declared);
    if (missing === undefined || missing.length === 0 || head.byteLength < TRACK_CHECK_HEAD_BYTES) return missing ?? [];
    const body = await readFile(path).catch(() => undefined);
    return (body && missingKinds(body, declared)) ?? [];
  }

  /**
   * The run is over and its files complete: a held last segment that still lacks a declared track is left
   * out (no sequence number, so no gap); one that has them all now (its last bytes were not on disk when
   * it was listed) is published.
   */
  private async settleHeldTails(run: ScratchRun): Promise<void> {
    for (const [name, line] of run.heldTail) {
      run.heldTail.delete(name);
      const rendition = this.renditions.get(name) as Rendition;
      const missing = await this.missingTracks(run, rendition, line);
      if (missing.length === 0) {
        this.enqueue(run.gen, rendition, line);
        continue;
      }
      this.metrics.count('packager_incomplete_last_segments', 1, { rendition: name });
      this.logger.warn('packager: leaving out the run\'s last segment: it lacks a track its rendition declares', { streamId: this.streamId, rendition: name, generation: run.gen.id, line, missing });
    }
  }

  private async closeCurrent(): Promise<void> {
    const run = this.current as ScratchRun;
    // The run is over: whatever it listed is final, so read it all before numbering moves on.
    await this.pollRun(run);
    await this.settleHeldTails(run);
    run.warnUnfinishedLines();
    run.close();
    this.current = undefined;
    this.watched = false;
    this.clearPollTimer();
    run.gen.closed = true;
    this.maybeRelease(run.gen);
    this.changes.notify();
  }

  private enqueue(gen: Generation, rendition: Rendition, line: string): void {
    let entry: SegmentListEntry;
    try {
      entry = parseSegmentListLine(line);
    } catch (err) {
      this.logger.error('packager: ignoring an unusable segment list line', { streamId: this.streamId, rendition: rendition.plan.name, generation: gen.id, error: describeError(err) });
      this.metrics.count('packager_bad_segment_lines', 1, { rendition: rendition.plan.name });
      return;
    }
    const sequence = gen.base + entry.index;
    if (sequence < rendition.assignedNext) {
      this.logger.error('packager: segment listed again or out of order; ignoring it', { streamId: this.streamId, rendition: rendition.plan.name, generation: gen.id, file: entry.filename, sequence, next: rendition.assignedNext });
      return;
    }
    const nowMs = this.clock.now().getTime();
    const pdtMs = this.timeline.place(gen, sequence, entry, nowMs);
    const raised = this.playlists.cover(entry.duration);
    if (raised !== undefined) this.logger.warn('packager: segment longer than the target duration; raising it', { streamId: this.streamId, rendition: rendition.plan.name, duration: entry.duration, targetDuration: raised });
    const job: UploadJob = { gen, sequence, entry, file: join(gen.dir, rendition.plan.name, entry.filename), detectedAtMs: nowMs };
    if (pdtMs !== undefined) job.pdtMs = pdtMs;
    rendition.assignedNext = sequence + 1;
    rendition.stats.pending++;
    gen.pending++;
    rendition.worker.push(job);
  }

  // -------------------------------------------------------------------------------------------------------
  // Publishing

  private uploadWorkerFor(name: string, stats: RenditionStats, rendition: () => Rendition): UploadWorker {
    return new UploadWorker((job) => this.publish(rendition(), job), {
      signal: this.abort.signal,
      onPublished: (job) => {
        stats.pending--;
        job.gen.pending--;
        this.maybeRelease(job.gen);
        this.forgetPublishedTimeline();
        this.changes.notify();
      },
      onFailure: (err) => this.logger.error('packager: rendition worker failed; will resume with the next listed segment', { streamId: this.streamId, rendition: name, error: describeError(err) }),
      onIdle: () => this.changes.notify(),
    });
  }

  /**
   * Stores one listed segment (its own object, or with segment rounds its round's), then the playlist that
   * names it, then removes it from scratch.
   */
  private async publish(rendition: Rendition, job: UploadJob): Promise<void> {
    const signal = this.abort.signal;
    const name = rendition.plan.name;
    const discontinuitySequence = this.timeline.domainOf(job.sequence);
    const outcome = await this.storeSegment(rendition, job, discontinuitySequence);
    const { uploadMs, key } = outcome;
    // Someone removed the file from scratch: nothing to upload, but the position must stay a known gap.
    if (!outcome.stored) this.logger.error('packager: scratch segment vanished before upload; publishing a gap', { streamId: this.streamId, rendition: name, sequence: job.sequence, file: job.file });
    const uploadedAtMs = Date.now();

    const entry: TrackEntry = { sequence: job.sequence, duration: job.entry.duration, discontinuitySequence };
    if (!outcome.stored) entry.gap = true;
    if (outcome.round) entry.inRound = { uri: roundUri(outcome.round.round, this.recordingId), byteRange: outcome.round.byteRange };
    if (job.pdtMs !== undefined) entry.programDateTime = new Date(job.pdtMs).toISOString();
    const { gapSequences, discontinuity } = rendition.track.append(entry, (seq) => this.timeline.gapFiller(seq));
    await this.playlists.storeMediaPlaylist(name, rendition.track, false, signal);
    if (outcome.stored && segmentTraceEnabled()) await this.traceTiming(name, job, uploadedAtMs, outcome.closedAtMs);
    await this.dvr?.append(name, entry, (seq) => this.timeline.gapFiller(seq), this.clock.now().getTime());
    this.playlists.refreshMasterIfDue(this.clock.now().getTime(), () => this.changes.notify());

    if (outcome.leftOnScratch) await unlink(job.file).catch((err: unknown) => this.logger.warn('packager: could not delete a stored segment from scratch', { streamId: this.streamId, file: job.file, error: describeError(err) }));

    rendition.stats.lastSequence = job.sequence;
    countGaps(rendition.stats, this.metrics, name, gapSequences.length, !outcome.stored);
    for (const sequence of gapSequences) this.safeEmit('gap', { streamId: this.streamId, rendition: name, sequence, reason: 'missing_in_rendition' });
    if (!outcome.stored) {
      this.safeEmit('gap', { streamId: this.streamId, rendition: name, sequence: job.sequence, reason: 'scratch_file_lost' });
      return;
    }
    const publishLatencyMs = Math.max(0, this.clock.now().getTime() - job.detectedAtMs);
    countUploaded(rendition.stats, this.metrics, name, uploadMs, publishLatencyMs);
    rendition.publishedThisSession++;
    this.safeEmit('segment', { streamId: this.streamId, rendition: name, sequence: job.sequence, duration: job.entry.duration, key, ...(outcome.round ? { byteRange: outcome.round.byteRange } : {}), discontinuity, uploadMs, publishLatencyMs });
    this.maybeGoLive();
  }

  /**
   * Takes a listed segment from scratch to the store: its own object (`segmentKey`), or with segment rounds
   * into its round (answered once the round object is stored). Not stored: the file vanished (a gap).
   */
  private async storeSegment(rendition: Rendition, job: UploadJob, discontinuitySequence: number): Promise<SegmentUploadResult & { key: string; round?: StoredRoundMember }> {
    const signal = this.abort.signal;
    const name = rendition.plan.name;
    const ref = { sequence: job.sequence, duration: job.entry.duration, discontinuitySequence };
    const key = segmentKey(this.streamId, name, ref, this.recordingId);
    const onReadRetry = (err: unknown): void => this.logger.warn('packager: cannot read a scratch segment; retrying', { streamId: this.streamId, rendition: name, file: job.file, error: describeError(err) });
    if (this.rounds) {
      const body = await readSegment(job, { retryPolicy: this.retryPolicy, settleMs: this.settleMs, signal, onReadRetry });
      if (!body || body.byteLength === 0) {
        this.rounds.withdraw(name, job.sequence);
        return { stored: false, leftOnScratch: false, uploadMs: 0, key };
      }
      const round = await this.rounds.add({ rendition: name, ...ref, body }, signal);
      return { stored: true, leftOnScratch: true, uploadMs: round.putMs, key: round.key, round };
    }
    const uploaded = await uploadSegment(job, key, {
      store: this.store,
      retryPolicy: this.retryPolicy,
      settleMs: this.settleMs,
      signal,
      onReadRetry,
      onUploadRetry: (err, attempt, wait) => {
        rendition.stats.uploadRetries++;
        this.metrics.count('packager_upload_retries', 1, { rendition: name });
        // One series for the whole task (no rendition): what the SegmentUploadFailures alarm watches.
        this.metrics.count('segment_upload_failures', 1);
        this.logger.warn('packager: segment upload failed; retrying', { streamId: this.streamId, rendition: name, sequence: job.sequence, attempt, retryInMs: wait, error: describeError(err) });
      },
    });
    return { ...uploaded, key };
  }

  /** bench:density's per-stage timing of one published segment (only when STREAMPLANE_SEGMENT_TRACE is set). */
  private async traceTiming(rendition: string, job: UploadJob, uploadedAtMs: number, knownClosedAtMs: number | undefined): Promise<void> {
    const playlistAtMs = Date.now();
    const closedAtMs = knownClosedAtMs ?? (await stat(job.file).then((s) => s.mtimeMs, () => Number.NaN));
    const listed = this.traceListed.get(job.file);
    this.traceListed.delete(job.file);
    recordSegmentTiming({ streamId: this.streamId, rendition, sequence: job.sequence, mediaEnd: job.entry.end, closedAtMs, detectedAtMs: job.detectedAtMs, uploadedAtMs, playlistAtMs, ...(listed ? { listedAtMs: listed.readAtMs, pollAtMs: listed.pollAtMs, changedAtMs: listed.changedAtMs } : {}) });
  }

  /** The first playable master: every rendition has a segment of this session in its playlist. */
  private maybeGoLive(): void {
    if (!this.playlists.waitingForMaster) return;
    if (![...this.renditions.values()].every((r) => r.publishedThisSession > 0)) return;
    this.playlists.publishMaster(
      (masterKey) => this.safeEmit('live', { streamId: this.streamId, masterKey, at: this.clock.now() }),
      () => this.changes.notify(),
      this.clock.now().getTime(),
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // Numbering and plumbing

  /** The next sequence no rendition has used or been promised: where a new run's index 0 goes. */
  private nextFreeSequence(): number {
    let next = 0;
    for (const r of this.renditions.values()) next = Math.max(next, r.assignedNext, r.track.nextSequence);
    return next;
  }

  private forgetPublishedTimeline(): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const r of this.renditions.values()) lowest = Math.min(lowest, r.track.nextSequence);
    this.timeline.forgetBefore(lowest);
  }

  private maybeRelease(gen: Generation): void {
    if (!gen.closed || gen.pending > 0) return;
    // A reused folder belongs to the current run now; "released" would invite deleting it.
    if (this.current && this.current.gen.dir === gen.dir) return;
    this.safeEmit('released', { streamId: this.streamId, scratchDir: gen.dir, generation: gen.id });
  }

  private isDrained(): boolean {
    return !this.playlists.masterPending && [...this.renditions.values()].every((r) => r.worker.queued === 0 && !r.worker.busy);
  }

  private workersStopped(): boolean {
    return !this.playlists.masterPending && [...this.renditions.values()].every((r) => !r.worker.busy);
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
      this.logger.error('packager: event listener threw', { streamId: this.streamId, event, error: describeError(err) });
    }
  }
}

/** 256 KB of whole TS packets: about 0.8 s of a 2.5 Mbps rendition, several audio and video packets. */
const TRACK_CHECK_HEAD_BYTES = 188 * 1394;

/** Declared kinds of which `data` starts no PES packet; undefined when it holds no program table. */
function missingKinds(data: Buffer, declared: ReadonlyArray<TrackKind>): TrackKind[] | undefined {
  const tracks = inspectTsTracks(data);
  if (!tracks) return undefined;
  return declared.filter((kind) => !tracks.streams.some((s) => s.kind === kind && s.pesStarts > 0));
}
