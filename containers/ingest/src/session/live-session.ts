/**
 * One accepted publish, from first byte to flush: taps the broadcast, buffers the first seconds to probe
 * the source, plans the ladder, runs one supervised ffmpeg for it and a packager that uploads segments and
 * writes playlists. Each ffmpeg run writes to its own scratch directory, so a restarted transcoder can
 * never overwrite segments of the previous run before they are uploaded. No video frame reaches ffmpeg
 * before audio of its time (video-audio-hold.ts), so every segment has both tracks, a run's last one too.
 *
 * Must never: start a transcoder for a publish the gate did not accept (it is only constructed for
 * accepted ones), leave an ffmpeg running after `stop`, or lose a segment ffmpeg finished.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import type { EmitEvent } from '../../../../core/events/emit-event';
import { KeyframeWatch, planFastStart, refineProvisional } from '../../../../core/transcode/fast-start';
import { DEFAULT_SEGMENT_SECONDS, planLadder, toTranscodeDecision, type LadderOptions, type LadderPlan, type SourceInfo } from '../../../../core/transcode/ladder';
import { planPassthrough } from '../../../../core/transcode/passthrough-plan';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { liveThumbnailKey, recordingPosterKey } from '../../../../core/media/layout';
import type { SessionStore, StreamHealthStore } from '../../../../core/ports/monitoring-stores';
import type { SessionStats } from '../../../../core/sessions/session';
import { markLive, type SessionDeps } from '../../../../core/streams/publish-session';
import { lowLatencyLadder, lowLatencyVariantUri } from '../packager/ll/low-latency-mode';
import { LlPackager } from '../packager/ll/ll-packager';
import { Packager } from '../packager/packager';
import type { LivePartSink } from '../../../../core/ports/live-parts';
import { FlvDeclaration } from '../rtmp/flv-metadata';
import { FlvTap, inspectFlvTags } from '../rtmp/flv-tap';
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';
import { buildTranscodeArgs, segmentListPath } from '../transcoder/ffmpeg-args';
import { recordSessionStartup, segmentTraceEnabled } from '../monitoring/segment-trace';
import { chooseFps, probeSource } from '../transcoder/source-probe';
import { TranscoderSupervisor } from '../transcoder/supervisor';
import { FeedMonitor } from './feed-monitor';
import { VideoAudioHold } from './video-audio-hold';
import { ProbeBuffer } from './probe-buffer';
import type { StreamLabels } from './stream-labels';

export interface LiveSessionOptions {
  publish: AcceptedPublish;
  sessionDeps: SessionDeps;
  emit: EmitEvent;
  objectStore: ObjectStore;
  logger: Logger;
  metrics: Metrics;
  ladder: LadderOptions;
  liveWindowSegments: number;
  /** Live media playlists as one bundle object per stream (packager `playlistBundle`). */
  playlistBundle?: boolean;
  /** TS segments as one round object per sequence number (packager `segmentRounds`); not for low-latency sessions. */
  segmentRounds?: boolean;
  scratchRoot: string;
  playbackUrl: string;
  ffmpegPath: string;
  ffprobePath: string;
  /**
   * Set when the session is recorded: the packager stores segments under the recording, and `start` is
   * called once the first segment is stored (again on the next segment if it failed).
   */
  recording?: { recordingId: string; start(): Promise<unknown>; dvrWindowSeconds?: number };
  /** Where health reports and session statistics go, and which node this is. Without it they stay local. */
  monitoring?: { health: StreamHealthStore; sessions: SessionStore; nodeId: string; labels?: StreamLabels };
  /** Seconds between thumbnails (`live/<id>/thumbnail.jpg`); 0 turns them off. Default 10. */
  thumbnailSeconds?: number;
  /**
   * No new segment for this long while the publisher still sends: the transcoder is restarted
   * (`transcode.error`, reason `stalled_output`). Default: 5 segments, at least 10 s.
   */
  stalledOutputMs?: number;
  /**
   * A 24/7 channel (core/channels): its fixed ladder replaces the one planned from the source, so the
   * master playlist never changes; `onPlan` hears the ladder used (the slate of a plain stream reuses it).
   */
  channel?: {
    plan(): Promise<LadderPlan | undefined>;
    onPlan(plan: LadderPlan): void;
    /**
     * Called once every rendition of the live feed has its first segment on scratch, before this session's
     * packager reads the published timeline: it stops whatever plays (fallback, slate), so the live feed
     * continues the stream's playlists from the next segment boundary, with no gap.
     */
    takeover(): Promise<void>;
    /**
     * False when nothing plays that the live feed would cut away from (no fallback or slate, none being
     * started, none configured to play elsewhere): the hand-over then happens when ffmpeg starts, not
     * once its first segment is on scratch (the packager follows the run from its first segment, which a
     * new session otherwise waited seconds for while many started at once). Absent: always wait.
     */
    onAir?(): boolean;
  };
  /** Where a low-latency session's part being written goes, for an origin in this process (local plane). */
  liveParts?: LivePartSink;
  /**
   * Media buffered to probe the source before the transcoder starts (default 2.5 s). A backup takeover
   * probes less: the feed's GOP was replayed at once and viewers wait for the switch.
   */
  probeMediaMs?: number;
}

/** The thumbnail is checked every this many monitor ticks (one a second); statistics every STATS_TICKS. */
const HEALTH_TICKS = 2;
const STATS_TICKS = 10;
/**
 * A health report is stored every REPORT_TICKS, and at the next HEALTH_TICKS check whenever its status or
 * reasons changed, one of its figures (bitrates, fps, keyframe interval) moved by more than
 * REPORT_MOVE, or none is stored yet: a report is a table write, the plane's largest steady cost per
 * stream after the media itself, and a steady feed's figures barely move between checks.
 */
const REPORT_TICKS = 6;
const REPORT_MOVE = 0.05;
/**
 * In `latencyMode: normal` the transcoder's input is handed over at most every this many milliseconds
 * (TranscoderSupervisor's coalesceMs): one pipe write instead of two or three per video frame, each of
 * which also wakes ffmpeg's reader, for a delay that disappears inside a 2 s segment. Low mode, whose
 * parts are a few hundred milliseconds, writes within the tick.
 */
const NORMAL_MODE_INPUT_COALESCE_MS = 50;

function moved(before: number | null | undefined, now: number | null): boolean {
  if (before === null || before === undefined || now === null) return before !== now;
  return Math.abs(now - before) > REPORT_MOVE * Math.max(Math.abs(before), 1e-9);
}

type Phase = 'probing' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * Start-up of a session, in ms since the publisher's first byte: probe done (ladder planned), the
 * transcoder fed, its first segment listed on scratch, that segment stored, the master playable.
 */
export interface StartupStages {
  fastStart: 'final' | 'provisional' | 'refined' | 'classic' | undefined;
  /** Where the plan's source facts came from: the publisher's declaration, or ffprobe. */
  source?: 'declared' | 'ffprobe';
  /** When the first byte arrived (epoch ms). */
  firstByteAt?: number;
  /** Enough media buffered to plan (the probe may still run). */
  probeReadyMs?: number;
  probedMs?: number;
  /** The packager has read back what the stream published before (resume) and is ready to follow runs. */
  packagerStartedMs?: number;
  transcoderFedMs?: number;
  firstSegmentMs?: number;
  firstUploadMs?: number;
  masterMs?: number;
}

export class LiveSession {
  private phase: Phase = 'probing';
  private readonly probe: ProbeBuffer;
  private tap: FlvTap | undefined;
  private supervisor: TranscoderSupervisor | undefined;
  private packager: Packager | undefined;
  private llPackager: LlPackager | undefined;
  private run = 0;
  private readonly scratchDir: string;
  private probeTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private readonly log: Logger;
  readonly feed = new FeedMonitor(() => Date.now());
  private monitorTimer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private statsBase: SessionStats | undefined;
  private outputDir: string | undefined;
  private runStartedAt = 0;
  private lastSegmentAt = 0;
  private segmentSeconds = 2;
  private thumbnailMtimeMs = 0;
  private posterWritten = false;
  private monitorBusy = false;
  /** Status and reasons of the last stored health report, and the tick it was stored at. */
  private lastReport: { key: string; tick: number; figures: Array<number | null> } | undefined;
  /** Channel takeover: run folders not yet given to the packager, and the hand-over in progress. */
  private readonly runDirs: string[] = [];
  private handoff: Promise<void> | undefined;
  private handedOver = false;
  private transcoderDone = false;
  private readonly createdAt = Date.now();
  /** The ladder options of this session's mode, and the plan ffmpeg runs (the packager keeps the first one). */
  private readonly ladder: LadderOptions;
  private runPlan: LadderPlan | undefined;
  /** A fast start's provisional plan awaits the first GOP's length; until then every chunk is kept. */
  private provisional: { source: SourceInfo; llDirs: string[] } | undefined;
  private readonly keyframes: KeyframeWatch;
  private quickTried = false;
  /** What the publisher declares (onMetaData, sequence headers): a fast start needs no ffprobe when it suffices. */
  private readonly declaration = new FlvDeclaration();
  private firstByteAt: number | undefined;
  private readonly stages: StartupStages = { fastStart: undefined };
  /** Keeps a segment from starting before the audio reached it (a feed ending there leaves no video-only tail). */
  private hold = new VideoAudioHold({ audio: false });

  constructor(private readonly options: LiveSessionOptions) {
    const { streamId, sessionId } = options.publish;
    this.probe = new ProbeBuffer({ maxMediaMs: options.probeMediaMs ?? 2_500, maxBytes: 16 * 1024 * 1024 });
    this.scratchDir = join(options.scratchRoot, streamId, `${sessionId}-${Date.now()}`);
    this.log = childLogger(options.logger, { streamId, sessionId });
    this.ladder = options.publish.latencyMode === 'low' ? lowLatencyLadder(options.ladder) : options.ladder;
    this.keyframes = new KeyframeWatch(this.ladder.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS);
  }

  /** How this session's start-up went so far (benchmarks and the startup log line read it). */
  get startup(): StartupStages {
    return { ...this.stages, ...(this.firstByteAt !== undefined ? { firstByteAt: this.firstByteAt } : {}) };
  }

  private stage(name: 'probeReadyMs' | 'probedMs' | 'packagerStartedMs' | 'transcoderFedMs' | 'firstUploadMs' | 'masterMs'): void {
    if (this.stages[name] === undefined && this.firstByteAt !== undefined) this.stages[name] = Date.now() - this.firstByteAt;
  }

  get streamId(): string {
    return this.options.publish.streamId;
  }

  get sessionId(): string {
    return this.options.publish.sessionId;
  }


  /** The accepted publish this session transcodes. */
  get publish(): AcceptedPublish {
    return this.options.publish;
  }

  /** The ladder it encodes to, once planned (a backup takeover keeps it, so the master never changes). */
  get plan(): LadderPlan | undefined {
    return this.runPlan;
  }

  /**
   * Backup ingest: media arrived within `starvedAfterMs` (a session still waiting for its first media gets
   * that long from its start before it counts as starved).
   */
  mediaHealthy(starvedAfterMs: number): boolean {
    const since = this.feed.sinceLastMediaMs;
    return since === undefined ? Date.now() - this.createdAt <= starvedAfterMs : since <= starvedAfterMs;
  }

  /** The transcoder's process id while it runs (tests kill it to exercise recovery). */
  get transcoderPid(): number | undefined {
    return this.supervisor?.pid;
  }

  /** What the node's report and self-check need to know about this pipeline. */
  get pipeline(): { streamId: string; transcoderSpeed: number | undefined; outputStalledMs: number | undefined } {
    const sinceMedia = this.feed.sinceLastMediaMs;
    const fed = this.phase === 'running' && sinceMedia !== undefined && sinceMedia < 2_000;
    const since = Math.max(this.lastSegmentAt, this.runStartedAt);
    return { streamId: this.streamId, transcoderSpeed: this.feed.transcoderSpeed, outputStalledMs: fed && since > 0 ? Date.now() - since : undefined };
  }

  start(): void {
    // The opt-in segment trace (bench:density) samples the event loop from the first publish on, so a
    // start-up storm is in it too (a no-op when STREAMPLANE_SEGMENT_TRACE is not set).
    segmentTraceEnabled();
    this.tap = this.openTap();
    this.monitorTimer = setInterval(() => this.monitorTick(), 1_000);
    this.monitorTimer.unref();
    const monitoring = this.options.monitoring;
    if (monitoring) {
      // A reconnect continues the session: its statistics add to what the earlier feed stored.
      monitoring.sessions.getStats(this.sessionId).then(
        (stats) => (this.statsBase = stats),
        (err: unknown) => this.log.warn('session: could not read earlier session statistics', { error: err instanceof Error ? err.message : String(err) }),
      );
    }
    // A publisher that sends too little to probe still gets a transcoder after a few seconds.
    this.probeTimer = setTimeout(() => this.beginTranscoding(), 6_000);
  }

  private openTap(): FlvTap {
    const { publish } = this.options;
    const tap = new FlvTap(publish.streamPath, publish.broadcast, (chunk) => this.onChunk(chunk));
    tap.attach();
    return tap;
  }

  private onChunk(chunk: Buffer): void {
    this.feed.onChunk(chunk);
    this.firstByteAt ??= Date.now();
    if (this.keyframes.keyframeIntervalSeconds === undefined) for (const tag of inspectFlvTags(chunk)) this.keyframes.observe(tag);
    if (this.phase === 'running') {
      if (this.provisional) {
        // Decided before ffmpeg sees this chunk: it cannot have cut a segment of the provisional plan yet.
        const refined = this.takeRefinement();
        if (refined) {
          this.probe.add(chunk);
          this.phase = 'starting';
          this.starting = this.replan(refined).catch((err: unknown) => {
            this.log.error('session: transcoder could not restart with the refined ladder', { error: err instanceof Error ? err : String(err) });
            this.options.publish.disconnect();
          });
          return;
        }
        // Still unconfirmed: everything since the first byte stays at hand for a replay.
        if (this.provisional) this.probe.add(chunk);
      }
      this.feedTranscoder(chunk);
    } else if (this.phase === 'probing') {
      const ready = this.probe.add(chunk);
      if (!this.quickTried) this.declaration.add(chunk);
      const fastStartable = !this.quickTried && this.options.publish.transcode !== 'passthrough' && (this.probe.quickReady || (this.probe.sawKeyframe && this.declaration.sourceInfo() !== undefined));
      if (ready || fastStartable) this.beginTranscoding();
    } else if (this.phase === 'starting') {
      this.probe.add(chunk);
    }
  }

  private beginTranscoding(): void {
    if (this.phase !== 'probing') return;
    clearTimeout(this.probeTimer);
    if (!this.probe.hasMedia) {
      this.probeTimer = setTimeout(() => this.beginTranscoding(), 2_000);
      return;
    }
    this.phase = 'starting';
    this.stage('probeReadyMs');
    this.starting = this.startPipeline().catch((err: unknown) => {
      this.log.error('session: transcoder could not start', { error: err instanceof Error ? err : String(err) });
      this.options.publish.disconnect();
    });
  }

  private async startPipeline(): Promise<void> {
    const { options } = this;
    const { streamId, sessionId } = options.publish;
    // A fast start probes from the first keyframe; the classic probe (passthrough-only streams, sources
    // that declare no bitrate, or no keyframe within seconds) waits for two keyframes.
    const quick = !this.probe.ready;
    this.quickTried = true;
    const declared = quick ? this.declaration.sourceInfo() : this.declaredPassthrough();
    const source = declared ?? (await probeSource(this.probe.contents(), { ffprobePath: options.ffprobePath }));
    this.stages.source = declared ? 'declared' : 'ffprobe';
    if (declared) this.log.info('session: source as declared by the publisher (metadata and sequence headers)', { video: declared.video, audio: declared.audio });
    const gopAtLeast = this.probe.keyframeIntervalLowerBoundSeconds;
    if (!quick && source.video && source.video.keyframeIntervalSeconds === undefined && gopAtLeast !== undefined) {
      source.video.keyframeIntervalSeconds = gopAtLeast;
    }
    if (this.phase !== 'starting') return;
    this.feed.setSource({
      width: source.video?.width ?? null,
      height: source.video?.height ?? null,
      videoCodec: source.video?.codec ?? null,
      audioCodec: source.audio?.codec ?? null,
    });
    const pinned = await options.channel?.plan().catch((err: unknown) => {
      this.log.warn('session: could not read the channel ladder; planning from the source', { error: err instanceof Error ? err.message : String(err) });
      return undefined;
    });
    const low = options.publish.latencyMode === 'low';
    let plan: LadderPlan;
    if (pinned) plan = pinned;
    else if (options.publish.transcode === 'passthrough') plan = planPassthrough(source, options.ladder);
    else if (quick) {
      const fast = planFastStart(source, this.ladder);
      if (fast.kind === 'wait') {
        this.log.info('session: no fast start; probing two keyframes', { reason: fast.reason });
        this.phase = 'probing';
        if (this.probe.ready) this.beginTranscoding();
        return;
      }
      plan = fast.plan;
      this.stages.fastStart = fast.kind;
      if (fast.kind === 'provisional') this.provisional = { source, llDirs: [] };
    } else plan = planLadder(source, this.ladder);
    this.stages.fastStart ??= quick ? 'final' : 'classic';
    this.stage('probedMs');
    this.runPlan = plan;
    options.channel?.onPlan(plan);
    if (this.phase !== 'starting') return;
    this.segmentSeconds = plan.segmentSeconds;
    this.log.info('session: ladder planned', { topRung: plan.topRung, reason: plan.reason, renditions: plan.renditions.map((r) => r.name), fastStart: this.stages.fastStart, probedMs: this.stages.probedMs });

    const packager = new Packager({
      streamId,
      renditions: plan.renditions,
      segmentSeconds: plan.segmentSeconds,
      objectStore: options.objectStore,
      liveWindow: options.liveWindowSegments,
      logger: this.log,
      metrics: options.metrics,
      ...(options.recording ? { recordingId: options.recording.recordingId } : {}),
      ...(options.recording?.dvrWindowSeconds ? { dvrWindowSeconds: options.recording.dvrWindowSeconds } : {}),
      ...(low ? { masterVariantUri: lowLatencyVariantUri } : {}),
      ...(options.playlistBundle ? { playlistBundle: {} } : {}),
      // Low-latency sessions keep one object per rendition per segment (their parts have their own layout).
      ...(options.segmentRounds && !low ? { segmentRounds: {} } : {}),
    });
    this.packager = packager;
    if (low) {
      this.llPackager = new LlPackager({
        streamId,
        renditions: plan.renditions.map((r) => r.name),
        objectStore: options.objectStore,
        segmentSeconds: plan.segmentSeconds,
        logger: this.log,
        metrics: options.metrics,
        ...(options.liveParts ? { liveParts: options.liveParts } : {}),
      });
      await this.llPackager.start();
    }
    packager.on('live', () => {
      this.stage('masterMs');
      this.log.info('session: startup', { ...this.stages });
      recordSessionStartup(streamId, this.stages);
      const decision = toTranscodeDecision(this.runPlan ?? plan);
      void markLive(options.sessionDeps, streamId, sessionId, decision, options.playbackUrl)
        .then((marked) => marked && this.log.info('session: live', { playback: options.playbackUrl }))
        .catch((err: unknown) => this.log.error('session: could not mark live', { error: err instanceof Error ? err : String(err) }));
    });
    packager.on('segment', (segment) => {
      if (this.stages.firstSegmentMs === undefined && this.firstByteAt !== undefined) this.stages.firstSegmentMs = Date.now() - segment.publishLatencyMs - this.firstByteAt;
      this.stage('firstUploadMs');
      this.lastSegmentAt = Date.now();
      options.metrics.timing('segment_upload_latency', segment.uploadMs);
    });
    if (options.recording) {
      const recording = options.recording;
      let started: 'no' | 'pending' | 'done' = 'no';
      // The record is written once media exists, so a publish that never produced a segment leaves no recording.
      packager.on('segment', () => {
        if (started !== 'no') return;
        started = 'pending';
        recording.start().then(
          () => (started = 'done'),
          (err: unknown) => {
            started = 'no'; // the next segment tries again
            this.log.warn('session: could not record the start of the recording', { error: err instanceof Error ? err : String(err) });
          },
        );
      });
    }
    if (!options.channel) await packager.start();
    this.stage('packagerStartedMs');

    await this.launchTranscoder();
  }

  /**
   * A passthrough stream's source without ffprobe: what the publisher declares (metadata, sequence
   * headers) plus what the buffered video tags measure (keyframe interval, bitrate over whole GOPs, frame
   * rate when the declared one is plainly wrong), the facts planPassthrough rests on. Undefined (ffprobe
   * decides) unless it is a passthrough stream, everything is declared and two keyframes were buffered.
   * Spares each new passthrough session an ffprobe process (~70 ms of CPU and a fork of the plane), which
   * 20 sessions starting at once paid in the same seconds (bench:density).
   */
  private declaredPassthrough(): SourceInfo | undefined {
    if (this.options.publish.transcode !== 'passthrough') return undefined;
    const info = this.declaration.sourceInfo();
    const measured = this.probe.measuredVideo();
    if (!info?.video || !measured) return undefined;
    info.video.keyframeIntervalSeconds = measured.keyframeIntervalSeconds;
    info.video.bitrateKbps = measured.bitrateKbps;
    info.video.fps = chooseFps(info.video.fps, measured.fps);
    return info;
  }

  /**
   * Starts ffmpeg for `this.runPlan` and feeds it everything buffered so far. A provisional plan found wrong
   * while ffmpeg was starting is replaced before ffmpeg sees a byte.
   */
  private async launchTranscoder(): Promise<void> {
    for (;;) {
      const supervisor = this.newSupervisor();
      this.supervisor = supervisor;
      await supervisor.start();
      if (this.phase !== 'starting') return;
      const refined = this.takeRefinement();
      if (!refined) {
        this.stage('transcoderFedMs');
        const plan = this.runPlan as LadderPlan;
        this.hold = new VideoAudioHold({ audio: plan.audio !== null && plan.renditions.some((r) => r.kind === 'video') });
        this.feedTranscoder(this.probe.contents());
        this.phase = 'running';
        return;
      }
      await this.abandonRun(refined);
      if (this.phase !== 'starting') return;
    }
  }

  /** Gives the transcoder what the hold lets through (no video frame ahead of the audio). */
  private feedTranscoder(chunk: Buffer): void {
    const supervisor = this.supervisor;
    if (!supervisor) return;
    for (const piece of this.hold.push(chunk)) supervisor.write(piece);
  }

  /** The provisional plan's source turned out to key too rarely: drop the run (nothing was cut yet), start over. */
  private async replan(refined: LadderPlan): Promise<void> {
    await this.abandonRun(refined);
    if (this.phase !== 'starting') return;
    await this.launchTranscoder();
  }

  private async abandonRun(refined: LadderPlan): Promise<void> {
    const supervisor = this.supervisor;
    this.supervisor = undefined;
    this.stages.fastStart = 'refined';
    this.log.info('session: keyframes too far apart for the provisional ladder; encoding every rung', { reason: refined.reason, keyframeIntervalSeconds: this.keyframes.keyframeIntervalSeconds });
    await supervisor?.abandon();
    this.runPlan = refined;
  }

  /**
   * Once the first GOP's length is known: the refined plan if the provisional one does not hold, else
   * undefined (and the low-latency packager, held back until now, follows the runs it skipped).
   */
  private takeRefinement(): LadderPlan | undefined {
    const pending = this.provisional;
    const gop = this.keyframes.keyframeIntervalSeconds;
    if (!pending || gop === undefined || !this.runPlan) return undefined;
    this.provisional = undefined;
    const refined = refineProvisional(pending.source, this.ladder, this.runPlan, gop);
    if (!refined) {
      this.log.info('session: fast start confirmed', { keyframeIntervalSeconds: gop, topRung: this.runPlan.topRung });
      for (const dir of pending.llDirs) {
        void this.llPackager?.attach(dir).catch((err: unknown) => this.log.error('session: low-latency packager could not follow the run', { error: err instanceof Error ? err : String(err) }));
      }
    }
    return refined;
  }

  private newSupervisor(): TranscoderSupervisor {
    const { options } = this;
    const { streamId, sessionId } = options.publish;
    const packager = this.packager as Packager;
    const channel = options.channel;
    const low = options.publish.latencyMode === 'low';
    const plan = this.runPlan as LadderPlan;
    const supervisor = new TranscoderSupervisor({
      ffmpegPath: options.ffmpegPath,
      coalesceMs: low ? 0 : NORMAL_MODE_INPUT_COALESCE_MS,
      args: () => {
        const outputDir = join(this.scratchDir, `run-${++this.run}`);
        this.outputDir = outputDir;
        this.runDirs.push(outputDir);
        const thumbnailSeconds = options.thumbnailSeconds ?? 10;
        const thumbnail = thumbnailSeconds > 0 ? { thumbnail: { path: join(outputDir, THUMBNAIL_FILE), intervalSeconds: thumbnailSeconds } } : {};
        return { args: buildTranscodeArgs(plan, { input: 'pipe:0', inputFormat: 'flv', outputDir, ...thumbnail, ...(low ? { lowLatency: true } : {}) }), outputDir };
      },
      prepare: async (outputDir: string) => {
        for (const r of plan.renditions) await mkdir(join(outputDir, r.name), { recursive: true });
        if (channel) {
          // The hand-over attaches every run folder made before it; later runs attach as usual.
          this.handoff ??= this.handOver(packager, plan, channel.takeover, channel.onAir?.() === false);
          if (!this.handedOver) return;
        }
        // Reads the previous run to its end before the new ffmpeg writes anything.
        await packager.attach(outputDir);
        // Parts of a provisional run would be published as they are written: held until it is confirmed.
        if (this.provisional) this.provisional.llDirs.push(outputDir);
        else await this.llPackager?.attach(outputDir);
      },
      logger: this.log,
    });
    supervisor.on('progress', (progress) => this.feed.onProgress(progress));
    supervisor.on('exit', (exit: { code: number | null; signal: string | null; willRestart: boolean; restarts: number; message: string; reason: 'exited' | 'stalled_progress' | 'stalled_output' }) => {
      if (this.phase === 'stopping' || this.phase === 'stopped' || this.supervisor !== supervisor) return;
      options.metrics.count('transcoder_restarts');
      this.log.warn('session: transcoder exited', exit);
      void options.emit({
        type: 'transcode.error',
        streamId,
        sessionId,
        data: { message: exit.message, exitCode: exit.code, signal: exit.signal, restarts: exit.restarts, willRestart: exit.willRestart, reason: exit.reason },
      }).catch(() => undefined);
    });
    supervisor.on('spawn', (run: { restarts: number }) => {
      if (this.supervisor !== supervisor) return;
      this.runStartedAt = Date.now();
      if (run.restarts === 0) return;
      this.feed.onReplay();
      // A restarted ffmpeg needs the stream from a keyframe with its headers: a fresh tap replays exactly that
      // (what the hold kept back for the old process is in that replay).
      this.hold.reset();
      this.tap?.close();
      this.tap = this.openTap();
    });
    return supervisor;
  }

  /**
   * A channel's live feed takes over once every rendition of it has a first segment on scratch (or its
   * transcoder stopped having written some): the feed on air stops, then the packager resumes the published
   * timeline and follows the run folders in order. A publish that never made a segment takes nothing over.
   */
  private async handOver(packager: Packager, plan: LadderPlan, takeover: () => Promise<void>, nothingOnAir = false): Promise<void> {
    if (!nothingOnAir && !(await this.firstSegmentOnScratch(packager, plan))) return;
    // Nothing on air: the takeover (the output lease, output.changed) runs while ffmpeg makes its first
    // segment, and the packager follows the run from that segment on, as a session without a channel does.
    await takeover().catch((err: unknown) => this.log.error('session: the channel takeover failed; going live anyway', { error: err instanceof Error ? err : String(err) }));
    await packager.start();
    for (const runDir of this.runDirs) {
      await packager.attach(runDir);
      await this.llPackager?.attach(runDir);
    }
    this.handedOver = true;
  }

  /**
   * Waits until every rendition of the live feed has its first segment on scratch (or the transcoder is
   * done), then times the switch from then to that segment in the playlist: what viewers of the feed on
   * air see. False when the transcoder ended without making any segment (nothing to take over with).
   */
  private async firstSegmentOnScratch(packager: Packager, plan: LadderPlan): Promise<boolean> {
    const firstRun = this.runDirs[0] as string;
    while (!(await hasFirstSegment(this.outputDir ?? firstRun, plan))) {
      if (this.transcoderDone) {
        if (!(await anyRunHasSegments(this.runDirs, plan))) return false;
        break;
      }
      await delay(100);
    }
    const readyAt = Date.now();
    packager.once('segment', () => {
      // From the live feed's first segment on scratch to it being in the playlist: the switch viewers see.
      const switchMs = Date.now() - readyAt;
      this.options.metrics.timing('channel_takeover', switchMs);
      this.log.info('session: live took over the channel', { switchMs, firstSegmentAfterMs: readyAt - this.createdAt });
    });
    return true;
  }

  /** Stops taking media, lets ffmpeg finish its last segments, uploads them. Idempotent. */
  async stop(options: { endList: boolean }): Promise<void> {
    if (this.phase === 'stopping' || this.phase === 'stopped') return;
    this.phase = 'stopping';
    clearTimeout(this.probeTimer);
    clearInterval(this.monitorTimer);
    this.options.monitoring?.labels?.release(this.streamId);
    this.tap?.close();
    await this.starting;
    // Video the audio has not caught up with (the feed ended just after a frame ffmpeg may cut at) never
    // reaches the transcoder: the last segment ends with audio instead of being one video frame without it.
    const held = this.hold.reset();
    if (held.droppedBytes > 0) this.log.info('session: stopping with video not yet covered by audio; the transcoder does not get it (a segment of it would have no audio)', { bytes: held.droppedBytes, videoFromMs: held.videoFromMs });
    let pending = 0;
    try {
      await this.supervisor?.stop();
      this.transcoderDone = true;
      await this.handoff;
      await this.llPackager?.stop({ endList: options.endList });
      const stats = await this.packager?.stop({ endList: options.endList });
      pending = Object.values(stats?.renditions ?? {}).reduce((sum, r) => sum + r.pending, 0);
      // The last thumbnail of the run, then the session's summary as of its end.
      await this.publishThumbnail();
      await this.writeStats();
    } finally {
      this.phase = 'stopped';
    }
    // Segments that could not be uploaded stay on scratch for an operator rather than being thrown away.
    if (pending === 0) await rm(this.scratchDir, { recursive: true, force: true });
    else this.log.error('session: segments left on scratch after stop', { pending, scratchDir: this.scratchDir });
  }

  /** Once a second: health events, reports, metrics, thumbnails, and the stalled-output watchdog. */
  private monitorTick(): void {
    if (this.phase === 'stopping' || this.phase === 'stopped' || this.monitorBusy) return;
    const { options } = this;
    const { streamId, sessionId } = options.publish;
    this.ticks++;
    for (const signal of this.feed.tick()) {
      this.log.info(`session: ${signal.type}`, signal.data);
      if (signal.type === 'stream.behind_realtime') options.metrics.count('streams_behind_realtime');
      void options.emit({ type: signal.type, streamId, sessionId, data: signal.data } as Parameters<EmitEvent>[0]).catch((err: unknown) =>
        this.log.warn('session: could not emit a health event', { type: signal.type, error: err instanceof Error ? err.message : String(err) }),
      );
    }
    this.watchOutput();
    this.recordMetrics();
    this.monitorBusy = true;
    void this.monitorWrites().finally(() => (this.monitorBusy = false));
  }

  private async monitorWrites(): Promise<void> {
    const monitoring = this.options.monitoring;
    const { streamId, sessionId } = this.options.publish;
    try {
      if (this.ticks % HEALTH_TICKS === 0) {
        await this.publishThumbnail();
        const view = this.feed.view(new Date());
        const key = `${view.status} ${view.reasons.join(',')}`;
        const figures = [view.ingest.videoKbps10s, view.ingest.audioKbps10s, view.ingest.fps, view.ingest.keyframeIntervalSeconds].map((f) => f ?? null);
        const last = this.lastReport;
        const due = !last || last.key !== key || this.ticks - last.tick >= REPORT_TICKS || figures.some((f, i) => moved(last.figures[i], f));
        if (monitoring && due) {
          await monitoring.health.put({ streamId, sessionId, nodeId: monitoring.nodeId, ...view });
          this.lastReport = { key, tick: this.ticks, figures };
        }
      }
      if (this.ticks % STATS_TICKS === 0) await this.writeStats();
    } catch (err) {
      this.log.warn('session: could not store health or statistics', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async writeStats(): Promise<void> {
    const monitoring = this.options.monitoring;
    if (!monitoring) return;
    const { streamId, sessionId } = this.options.publish;
    await monitoring.sessions
      .putStats(this.feed.stats(this.statsBase, { streamId, sessionId, nodeId: monitoring.nodeId }, new Date()))
      .catch((err: unknown) => this.log.warn('session: could not store session statistics', { error: err instanceof Error ? err.message : String(err) }));
  }

  /**
   * The playlists stop advancing while the publisher still sends: ffmpeg is alive but produces nothing
   * (hung output, stopped process). Kill it so the supervisor restarts it, on top of its progress check.
   */
  private watchOutput(): void {
    if (this.phase !== 'running' || !this.supervisor?.pid) return;
    const limitMs = this.options.stalledOutputMs ?? Math.max(10_000, 5 * this.segmentSeconds * 1000);
    const since = Math.max(this.lastSegmentAt, this.runStartedAt);
    const sinceMedia = this.feed.sinceLastMediaMs;
    const publisherSends = sinceMedia !== undefined && sinceMedia < 2_000;
    if (!publisherSends || Date.now() - since < limitMs) return;
    const seconds = Math.round((Date.now() - since) / 1000);
    this.supervisor.restartRun('stalled_output', `playlists stopped advancing: no new segment for ${seconds} s while the publisher still sends`);
  }

  private recordMetrics(): void {
    const labels = this.options.monitoring?.labels;
    const stream = labels ? labels.labelFor(this.streamId) : undefined;
    if (!stream) return;
    const view = this.feed.view(new Date());
    const { metrics } = this.options;
    metrics.gauge('stream_ingest_video_kbps', view.ingest.videoKbps ?? 0, { stream });
    metrics.gauge('stream_ingest_audio_kbps', view.ingest.audioKbps ?? 0, { stream });
    metrics.gauge('stream_ingest_fps', view.ingest.fps ?? 0, { stream });
    if (view.transcoder.speed !== null) metrics.gauge('stream_transcoder_speed', view.transcoder.speed, { stream });
    if (this.lastSegmentAt > 0) metrics.gauge('stream_playlist_age_seconds', Math.round((Date.now() - this.lastSegmentAt) / 100) / 10, { stream });
  }

  /** Uploads the transcoder's thumbnail when ffmpeg wrote a new one; the first one is also the recording's poster. */
  private async publishThumbnail(): Promise<void> {
    const dir = this.outputDir;
    if (!dir || (this.options.thumbnailSeconds ?? 10) <= 0) return;
    const path = join(dir, THUMBNAIL_FILE);
    const info = await stat(path).catch(() => undefined);
    if (!info || info.mtimeMs === this.thumbnailMtimeMs) return;
    this.thumbnailMtimeMs = info.mtimeMs;
    const body = await readFile(path).catch(() => undefined);
    if (!body || body.length === 0) return;
    const seconds = this.options.thumbnailSeconds ?? 10;
    await this.options.objectStore.put(liveThumbnailKey(this.streamId), body, { contentType: 'image/jpeg', cacheControl: `public, max-age=${seconds}` });
    const recording = this.options.recording;
    if (recording && !this.posterWritten) {
      await this.options.objectStore.put(recordingPosterKey(recording.recordingId), body, { contentType: 'image/jpeg', cacheControl: 'public, max-age=31536000, immutable' });
      this.posterWritten = true;
    }
  }
}

const THUMBNAIL_FILE = 'thumbnail.jpg';

/** Every rendition of the run has listed a segment. */
async function hasFirstSegment(dir: string, plan: LadderPlan): Promise<boolean> {
  for (const r of plan.renditions) {
    const list = await readFile(segmentListPath(dir, r.name), 'utf8').catch(() => '');
    if (!list.includes('\n')) return false;
  }
  return true;
}

async function anyRunHasSegments(dirs: ReadonlyArray<string>, plan: LadderPlan): Promise<boolean> {
  for (const dir of dirs) {
    for (const r of plan.renditions) if ((await readFile(segmentListPath(dir, r.name), 'utf8').catch(() => '')).length > 0) return true;
  }
  return false;
}

function childLogger(logger: Logger, fields: Record<string, unknown>): Logger {
  const withChild = logger as Logger & { child?: (f: Record<string, unknown>) => Logger };
  if (withChild.child) return withChild.child(fields);
  return {
    debug: (m, f) => logger.debug(m, { ...fields, ...f }),
    info: (m, f) => logger.info(m, { ...fields, ...f }),
    warn: (m, f) => logger.warn(m, { ...fields, ...f }),
    error: (m, f) => logger.error(m, { ...fields, ...f }),
  };
}
