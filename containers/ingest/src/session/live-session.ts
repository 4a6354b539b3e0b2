/**
 * One accepted publish, from first byte to flush: taps the broadcast, buffers the first seconds to probe
 * the source, plans the ladder, runs one supervised ffmpeg for it and a packager that uploads segments and
 * writes playlists. Each ffmpeg run writes to its own scratch directory, so a restarted transcoder can
 * never overwrite segments of the previous run before they are uploaded.
 *
 * Must never: start a transcoder for a publish the gate did not accept (it is only constructed for
 * accepted ones), leave an ffmpeg running after `stop`, or lose a segment ffmpeg finished.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmitEvent } from '../../../../core/events/emit-event';
import { planLadder, toTranscodeDecision, type LadderOptions } from '../../../../core/transcode/ladder';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { markLive, type SessionDeps } from '../../../../core/streams/publish-session';
import { Packager } from '../packager/packager';
import { FlvTap } from '../rtmp/flv-tap';
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';
import { buildTranscodeArgs } from '../transcoder/ffmpeg-args';
import { probeSource } from '../transcoder/source-probe';
import { TranscoderSupervisor } from '../transcoder/supervisor';
import { ProbeBuffer } from './probe-buffer';

export interface LiveSessionOptions {
  publish: AcceptedPublish;
  sessionDeps: SessionDeps;
  emit: EmitEvent;
  objectStore: ObjectStore;
  logger: Logger;
  metrics: Metrics;
  ladder: LadderOptions;
  liveWindowSegments: number;
  scratchRoot: string;
  playbackUrl: string;
  ffmpegPath: string;
  ffprobePath: string;
  /**
   * Set when the session is recorded: the packager stores segments under the recording, and `start` is
   * called once the first segment is stored (again on the next segment if it failed).
   */
  recording?: { recordingId: string; start(): Promise<unknown>; dvrWindowSeconds?: number };
}

type Phase = 'probing' | 'starting' | 'running' | 'stopping' | 'stopped';

export class LiveSession {
  private phase: Phase = 'probing';
  private readonly probe = new ProbeBuffer({ maxMediaMs: 2_500, maxBytes: 16 * 1024 * 1024 });
  private tap: FlvTap | undefined;
  private supervisor: TranscoderSupervisor | undefined;
  private packager: Packager | undefined;
  private run = 0;
  private readonly scratchDir: string;
  private probeTimer: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly options: LiveSessionOptions) {
    const { streamId, sessionId } = options.publish;
    this.scratchDir = join(options.scratchRoot, streamId, `${sessionId}-${Date.now()}`);
    this.log = childLogger(options.logger, { streamId, sessionId });
  }

  get streamId(): string {
    return this.options.publish.streamId;
  }

  get sessionId(): string {
    return this.options.publish.sessionId;
  }


  /** The transcoder's process id while it runs (tests kill it to exercise recovery). */
  get transcoderPid(): number | undefined {
    return this.supervisor?.pid;
  }

  start(): void {
    this.tap = this.openTap();
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
    if (this.phase === 'running') {
      this.supervisor?.write(chunk);
    } else if (this.phase === 'probing') {
      if (this.probe.add(chunk)) this.beginTranscoding();
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
    this.starting = this.startPipeline().catch((err: unknown) => {
      this.log.error('session: transcoder could not start', { error: err instanceof Error ? err : String(err) });
      this.options.publish.disconnect();
    });
  }

  private async startPipeline(): Promise<void> {
    const { options } = this;
    const { streamId, sessionId } = options.publish;
    const source = await probeSource(this.probe.contents(), { ffprobePath: options.ffprobePath });
    const gopAtLeast = this.probe.keyframeIntervalLowerBoundSeconds;
    if (source.video && source.video.keyframeIntervalSeconds === undefined && gopAtLeast !== undefined) {
      source.video.keyframeIntervalSeconds = gopAtLeast;
    }
    if (this.phase !== 'starting') return;
    const plan = planLadder(source, options.ladder);
    const decision = toTranscodeDecision(plan);
    this.log.info('session: ladder planned', { topRung: plan.topRung, reason: plan.reason, renditions: plan.renditions.map((r) => r.name) });

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
    });
    this.packager = packager;
    packager.on('live', () => {
      void markLive(options.sessionDeps, streamId, sessionId, decision, options.playbackUrl)
        .then((marked) => marked && this.log.info('session: live', { playback: options.playbackUrl }))
        .catch((err: unknown) => this.log.error('session: could not mark live', { error: err instanceof Error ? err : String(err) }));
    });
    packager.on('segment', (segment) => options.metrics.timing('segment_upload_latency', segment.uploadMs));
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
    await packager.start();

    const supervisor = new TranscoderSupervisor({
      ffmpegPath: options.ffmpegPath,
      args: () => {
        const outputDir = join(this.scratchDir, `run-${++this.run}`);
        return { args: buildTranscodeArgs(plan, { input: 'pipe:0', inputFormat: 'flv', outputDir }), outputDir };
      },
      prepare: async (outputDir: string) => {
        for (const r of plan.renditions) await mkdir(join(outputDir, r.name), { recursive: true });
        // Reads the previous run to its end before the new ffmpeg writes anything.
        await packager.attach(outputDir);
      },
      logger: this.log,
    });
    this.supervisor = supervisor;
    supervisor.on('exit', (exit: { code: number | null; signal: string | null; willRestart: boolean; restarts: number; message: string }) => {
      if (this.phase === 'stopping' || this.phase === 'stopped') return;
      options.metrics.count('transcoder_restarts');
      this.log.warn('session: transcoder exited', exit);
      void options.emit({
        type: 'transcode.error',
        streamId,
        sessionId,
        data: { message: exit.message, exitCode: exit.code, signal: exit.signal, restarts: exit.restarts, willRestart: exit.willRestart },
      }).catch(() => undefined);
    });
    supervisor.on('spawn', (run: { restarts: number }) => {
      if (run.restarts === 0) return;
      // A restarted ffmpeg needs the stream from a keyframe with its headers: a fresh tap replays exactly that.
      this.tap?.close();
      this.tap = this.openTap();
    });
    await supervisor.start();
    if (this.phase !== 'starting') return;
    supervisor.write(this.probe.contents());
    this.phase = 'running';
  }

  /** Stops taking media, lets ffmpeg finish its last segments, uploads them. Idempotent. */
  async stop(options: { endList: boolean }): Promise<void> {
    if (this.phase === 'stopping' || this.phase === 'stopped') return;
    this.phase = 'stopping';
    clearTimeout(this.probeTimer);
    this.tap?.close();
    await this.starting;
    let pending = 0;
    try {
      await this.supervisor?.stop();
      const stats = await this.packager?.stop({ endList: options.endList });
      pending = Object.values(stats?.renditions ?? {}).reduce((sum, r) => sum + r.pending, 0);
    } finally {
      this.phase = 'stopped';
    }
    // Segments that could not be uploaded stay on scratch for an operator rather than being thrown away.
    if (pending === 0) await rm(this.scratchDir, { recursive: true, force: true });
    else this.log.error('session: segments left on scratch after stop', { pending, scratchDir: this.scratchDir });
  }
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
