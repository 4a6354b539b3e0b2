/**
 * The ingest as one unit — RTMP gate, rate limiting, session manager, one live session (probe, ladder,
 * supervised ffmpeg, packager) per accepted publish — assembled from whatever adapters the caller brings.
 * The local plane and the cloud container both run exactly this; they differ only in adapters.
 */
import { join } from 'node:path';
import type { EmitEvent } from '../../../core/events/emit-event';
import { systemClock } from '../../../core/ports/clock';
import type { Logger } from '../../../core/ports/logger';
import type { Metrics } from '../../../core/ports/metrics';
import type { ObjectStore } from '../../../core/ports/object-store';
import type { SessionDeps } from '../../../core/streams/publish-session';
import { FailureRateLimiter } from '../../../core/streams/rate-limiter';
import { recordingIdFor } from '../../../core/recordings/recording';
import { hasOpenSession, masterPlaylistPath } from '../../../core/streams/stream';
import type { PlaneConfig } from './config';
import { rateLimitedGate } from './hooks/on-publish';
import { recoverScratch, type ScratchRecoveryReport } from './packager/scratch-recovery';
import { RtmpIngest, type AcceptedPublish, type PublishAdmission, type PublishGate } from './rtmp/rtmp-ingest';
import { IngestDrain } from './session/ingest-drain';
import { LiveSession } from './session/live-session';
import { SessionManager } from './session/session-manager';
import type { BackupFeedReports } from '../../../core/ports/backup-feed-reports';
import { StreamLabels } from './session/stream-labels';
import { NodeReporter } from './monitoring/node-reporter';
import { PublishHandoffs } from './handoff/publish-handoffs';
import { TsIngest } from './handoff/ts-ingest';
import { tsPushRoute, type HttpRoute } from './http-push/ts-push-route';
import { RtmpsTerminator } from './rtmp/rtmps-terminator';
import { SrtIngest } from './srt/srt-ingest';
import type { LivePartSink } from '../../../core/ports/live-parts';
import type { NodeStore, SessionStore, StreamHealthStore } from '../../../core/ports/monitoring-stores';
import type { ChannelMediaSource } from '../../../core/ports/channel-media';
import { ChannelDirector, type ChannelHosting } from './feeds/channel-director';
import type { UrlPolicy } from '../../../core/webhooks/url-policy';
import { PullRunner } from './pulls/pull-runner';
import { ffmpegLauncher, type PullLauncher } from './pulls/pull-process';

export interface IngestAppDeps {
  config: Pick<PlaneConfig, 'rtmpPort' | 'bind' | 'publicHost' | 'dataDir' | 'ladder' | 'segmentSeconds' | 'liveWindowSegments' | 'livePlaylists' | 'segmentObjects' | 'ffmpegPath' | 'ffprobePath'> &
    Partial<Pick<PlaneConfig, 'thumbnailSeconds' | 'srtPort' | 'rtmps'>>;
  sessionDeps: SessionDeps;
  emit: EmitEvent;
  objectStore: ObjectStore;
  /** Low-latency sessions hand the part being written here (an origin in this process streams it). */
  liveParts?: LivePartSink;
  /** The publish-auth hook: in-process locally, a Lambda invoke in the cloud. */
  authorize: PublishGate;
  /** This task's own admission check (its stream budget), asked before the gate. @default admits all */
  admission?: PublishAdmission;
  /** Base URL of playback (local origin or CDN), without a trailing slash. */
  playbackBase: string;
  logger: Logger;
  metrics: Metrics;
  /**
   * Recordings: how a recorded session's first stored segment is reported (creates the recording, emits
   * `recording.started`), and where finalization is queued once a session ended and its media is stored.
   * Locally the recordings wiring; in the cloud the DynamoDB recording store and the finalizer's SQS queue.
   */
  /**
   * Health reports, session statistics and this node's reports (`GET /v1/streams/{id}/health`, sessions,
   * `GET /v1/nodes`). `nodeId`: the ECS task id in the cloud, the host name locally.
   */
  monitoring?: { health: StreamHealthStore; sessions: SessionStore; nodes: NodeStore; nodeId: string };
  /**
   * Pull sources: this ingest runs up to `maxPulls` pulls, each publishing into its own RTMP listener
   * (app `pull`), so a pulled stream takes the push path after the gate. Absent: no pulls here.
   */
  pulls?: {
    maxPulls: number;
    sourcePolicy: UrlPolicy;
    resolveHost?: (host: string) => Promise<string[]>;
    launch?: PullLauncher;
    retryScheduleMs?: ReadonlyArray<number>;
    onFinished?: (streamId: string, outcome: 'stopped' | 'failed' | 'closed') => void;
  };
  /** Simulcast relays (relays/relay-manager.ts): told about every publish that starts and goes. */
  relays?: { onAccepted(publish: AcceptedPublish): void; onGone(publish: AcceptedPublish): Promise<void>; close(): Promise<void> };
  recordings?: {
    startRecording(input: { streamId: string; sessionId: string }): Promise<unknown>;
    enqueueFinalization(request: { recordingId: string; streamId: string; sessionId: string }): Promise<void>;
  };
  /**
   * 24/7 channels: where a stream's fallback, slate and reconnect-slate setting come from (the media
   * library). Without it no stream plays a fallback or a slate, and `output` is not tracked.
   */
  channelMedia?: ChannelMediaSource;
  /** Cloud: channel playout shared between tasks through channel jobs and the output lease (see ChannelDirector). */
  channelHosting?: ChannelHosting;
  /**
   * The cloud: the stream's output lease (feeds/live-output-lease.ts). Every live session claims it once
   * its first segment exists and before its packager touches the playlists; the session manager releases
   * it when this task stops writing them. Absent (local plane, one process): no lease.
   */
  outputLease?: { claim(streamId: string): Promise<void>; release(streamId: string): Promise<void> };
  /** The cloud: backup ingest across tasks (session/remote-backup.ts). */
  remoteBackup?: { taskId: string; reports: BackupFeedReports; tickMs?: number };
}

export interface IngestApp {
  ingest: RtmpIngest;
  /** What start-up found on scratch from a previous run that died (see packager/scratch-recovery.ts). */
  recovered: ScratchRecoveryReport;
  sessions: SessionManager;
  /** `rtmp://HOST:PORT/live` as encoders should use it. */
  rtmpServer: string;
  /** `rtmps://HOST:PORT/live`, when RTMPS is configured. */
  rtmpsServer?: string;
  /** `srt://HOST:PORT`, when SRT ingest runs. */
  srtServer?: string;
  /** The bound SRT (UDP) and RTMPS ports, when they run. */
  srtPort?: number;
  rtmpsPort?: number;
  /** `PUT|POST /ingest/STREAM_KEY` (MPEG-TS push), for whichever HTTP server fronts this ingest. */
  httpPushRoute: HttpRoute;
  /** Pids of helper processes (the SRT hub, TS relays are children too), for benchmarks. */
  helperPids(): number[];
  /** This node's report and self-check (the cloud's HTTP health check answers from it). */
  node: NodeReporter;
  /** Fallback playout and the reconnect slate (when `channelMedia` was given). */
  channels: ChannelDirector | undefined;
  /** The pull runner, when `pulls` was given. */
  pulls?: PullRunner;
  /** No new publishers, live ones handed off at a keyframe (deploys, SIGTERM). */
  drain: IngestDrain;
  stop(): Promise<void>;
}

export async function startIngestApp(deps: IngestAppDeps): Promise<IngestApp> {
  const { config, logger, metrics } = deps;
  const limiter = new FailureRateLimiter(systemClock, { maxFailures: 10, windowMs: 60_000, blockMs: 60_000 });
  const pushGate = rateLimitedGate({ emit: deps.emit, limiter, authorize: deps.authorize, metrics, logger });
  let ingestPort = 0;
  const loopbackHost = ['0.0.0.0', '::', '127.0.0.1', 'localhost'].includes(config.bind) ? '127.0.0.1' : config.bind;
  const pulls = deps.pulls
    ? new PullRunner({
        sessionDeps: deps.sessionDeps,
        maxPulls: deps.pulls.maxPulls,
        rtmpBase: () => `rtmp://${loopbackHost.includes(':') ? `[${loopbackHost}]` : loopbackHost}:${ingestPort}`,
        launch: deps.pulls.launch ?? ffmpegLauncher(config.ffmpegPath),
        sourcePolicy: deps.pulls.sourcePolicy,
        ...(deps.pulls.resolveHost ? { resolveHost: deps.pulls.resolveHost } : {}),
        ...(deps.pulls.retryScheduleMs ? { retryScheduleMs: deps.pulls.retryScheduleMs } : {}),
        ...(deps.pulls.onFinished ? { onFinished: deps.pulls.onFinished } : {}),
        ...(loopbackHost !== '127.0.0.1' ? { localPeers: [loopbackHost] } : {}),
        logger,
        metrics,
      })
    : undefined;
  // Pulls publish into this same listener: their gate answers for app `pull`, everything else is a push.
  const gate = pulls ? pulls.gate(pushGate) : pushGate;
  let sessions: SessionManager | undefined;
  const channels = deps.channelMedia
    ? new ChannelDirector({
        media: deps.channelMedia,
        streams: deps.sessionDeps.store,
        emit: deps.emit,
        ladder: { rungs: config.ladder, segmentSeconds: config.segmentSeconds },
        feeds: {
          objectStore: deps.objectStore,
          scratchRoot: join(config.dataDir, 'scratch'),
          liveWindowSegments: config.liveWindowSegments,
          ffmpegPath: config.ffmpegPath,
          ffprobePath: config.ffprobePath,
          logger,
          metrics,
        },
        logger,
        ...(deps.channelHosting ? { hosting: deps.channelHosting } : {}),
      })
    : undefined;
  const labels = new StreamLabels();
  const monitoring = deps.monitoring ? { health: deps.monitoring.health, sessions: deps.monitoring.sessions, nodeId: deps.monitoring.nodeId, labels } : undefined;
  // SRT and HTTP publishes are authorized by their front ends and join the RTMP path through handoffs.
  const handoffs = new PublishHandoffs({ onAbandoned: (handoff) => void sessions?.onGone(handoff.decision) });
  let rtmps: RtmpsTerminator | undefined;
  const drain: IngestDrain = new IngestDrain({ publishers: () => ingest.publishers, logger, metrics });
  const ingest = new RtmpIngest({
    port: config.rtmpPort,
    host: config.bind,
    gate,
    logger,
    metrics,
    handoffs,
    proxiedAddress: (socket) => rtmps?.callerOf(socket),
    onAccepted: (publish) => {
      sessions?.onAccepted(publish);
      // A standby encoder is not on air: relays follow the active feed (onTakeover below).
      if (!publish.standby) deps.relays?.onAccepted(publish);
    },
    onGone: (publish) => Promise.all([sessions?.onGone(publish), deps.relays?.onGone(publish)]).then(() => undefined),
    // A draining task refuses first; then the task's own admission budget (if any) decides.
    admission: () => drain.admission() ?? deps.admission?.(),
  });
  sessions = new SessionManager({
    sessionDeps: deps.sessionDeps,
    objectStore: deps.objectStore,
    logger,
    metrics,
    disconnect: (streamId) => ingest.disconnectStream(streamId),
    emit: deps.emit,
    onTakeover: (publish) => deps.relays?.onAccepted(publish),
    ...(deps.outputLease ? { output: deps.outputLease } : {}),
    ...(deps.remoteBackup ? { remoteBackup: deps.remoteBackup } : {}),
    ...(channels ? { channel: channels } : {}),
    ...(deps.recordings
      ? {
          onSessionEnded: ({ streamId, sessionId }: { streamId: string; sessionId: string }) =>
            (deps.recordings as NonNullable<IngestAppDeps['recordings']>).enqueueFinalization({ recordingId: recordingIdFor(sessionId), streamId, sessionId }),
        }
      : {}),
    createSession: (publish, handover) =>
      new LiveSession({
        publish,
        sessionDeps: deps.sessionDeps,
        emit: deps.emit,
        objectStore: deps.objectStore,
        logger,
        metrics,
        ladder: { rungs: config.ladder, segmentSeconds: config.segmentSeconds },
        liveWindowSegments: config.liveWindowSegments,
        ...(config.livePlaylists === 'bundle' ? { playlistBundle: true } : {}),
        ...(config.segmentObjects === 'round' ? { segmentRounds: true } : {}),
        scratchRoot: join(config.dataDir, 'scratch'),
        playbackUrl: `${deps.playbackBase}/${masterPlaylistPath(publish.streamId)}`,
        ffmpegPath: config.ffmpegPath,
        ffprobePath: config.ffprobePath,
        ...(config.thumbnailSeconds !== undefined ? { thumbnailSeconds: config.thumbnailSeconds } : {}),
        ...(deps.liveParts ? { liveParts: deps.liveParts } : {}),
        ...(monitoring ? { monitoring } : {}),
        // Low-latency sessions stay out of channel playout: its feeds make classic segments only.
        ...(channels && publish.latencyMode !== 'low' && !handover
          ? {
              channel: {
                plan: () => channels.planFor(publish.streamId),
                onPlan: (plan) => channels.sessionPlanned(publish.streamId, plan),
                takeover: () => channels.takeover(publish.streamId),
                onAir: () => channels.onAir(publish.streamId),
              },
            }
          : {}),
        // The cloud without channels: the session still writes only once it holds the output lease.
        ...(!channels && deps.outputLease && publish.latencyMode !== 'low' && !handover
          ? { channel: { plan: async () => undefined, onPlan: () => undefined, takeover: () => (deps.outputLease as NonNullable<IngestAppDeps['outputLease']>).claim(publish.streamId) } }
          : {}),
        // Backup ingest: a switch of encoders hands over the same way a live feed takes over a channel.
        ...(handover
          ? {
              channel: {
                plan: async () => handover.plan ?? (await channels?.planFor(publish.streamId)),
                onPlan: (plan) => channels?.sessionPlanned(publish.streamId, plan),
                takeover: async () => {
                  await handover.stopPrevious();
                  // Across tasks the previous writer is elsewhere: its release of the lease is the hand-over.
                  await deps.outputLease?.claim(publish.streamId);
                  await channels?.takeover(publish.streamId);
                },
              },
              probeMediaMs: 1_000,
            }
          : {}),
        ...(deps.recordings && publish.recording
          ? {
              recording: {
                recordingId: recordingIdFor(publish.sessionId),
                ...(publish.dvrWindowSeconds ? { dvrWindowSeconds: publish.dvrWindowSeconds } : {}),
                start: () => (deps.recordings as NonNullable<IngestAppDeps['recordings']>).startRecording({ streamId: publish.streamId, sessionId: publish.sessionId }),
              },
            }
          : {}),
      }),
  });
  // Before the listener accepts: a resumed packager reads stored segments to reserve numbers, so what a
  // crash left on scratch must be stored first, and no new session may write to scratch meanwhile.
  const recovered = await recoverScratch({ scratchRoot: join(config.dataDir, 'scratch'), store: deps.objectStore, logger, metrics });
  if (deps.recordings) await refinalizeClosedSessions(recovered, deps.sessionDeps, deps.recordings, logger);
  await ingest.start();
  ingestPort = ingest.port;
  const tsIngest = new TsIngest({ gate, handoffs, rtmpPort: () => ingest.port, ffmpegPath: config.ffmpegPath, logger, metrics });
  let srt: SrtIngest | undefined;
  try {
    if (config.rtmps) {
      rtmps = new RtmpsTerminator({ host: config.bind, port: config.rtmps.port, certFile: config.rtmps.certFile, keyFile: config.rtmps.keyFile, rtmpPort: () => ingest.port, logger, metrics });
      await rtmps.start();
    }
    if (config.srtPort !== undefined) {
      srt = new SrtIngest({ host: config.bind, port: config.srtPort, ingest: tsIngest, logger, metrics });
      await srt.start();
    }
  } catch (err) {
    await rtmps?.stop();
    await ingest.stop();
    throw err;
  }
  const manager = sessions;
  const node = new NodeReporter({
    nodeId: deps.monitoring?.nodeId ?? 'local',
    ...(deps.monitoring ? { store: deps.monitoring.nodes } : {}),
    pipelines: () => manager.carriedStreamIds().flatMap((id) => manager.session(id)?.pipeline ?? []),
    logger,
    metrics,
  });
  node.start();
  return {
    ingest,
    recovered,
    sessions: manager,
    node,
    channels,
    ...(pulls ? { pulls } : {}),
    drain,
    rtmpServer: `rtmp://${config.publicHost}:${ingest.port}/live`,
    ...(rtmps ? { rtmpsServer: `rtmps://${config.publicHost}:${rtmps.port}/live`, rtmpsPort: rtmps.port } : {}),
    ...(srt ? { srtServer: `srt://${config.publicHost}:${srt.port}`, srtPort: srt.port } : {}),
    httpPushRoute: tsPushRoute({ ingest: tsIngest, logger, metrics }),
    helperPids: () => (srt?.hubPid !== undefined ? [srt.hubPid] : []),
    async stop() {
      node.stop();
      // Pull processes first: they publish into the listener that closes below.
      await pulls?.close();
      // Sessions flush first (their publishers are cut as the listener stops right after).
      await Promise.all([manager.close(), deps.relays?.close()]);
      await channels?.close();
      await srt?.stop();
      await rtmps?.stop();
      await tsIngest.stop();
      handoffs.close();
      await ingest.stop();
    },
  };
}

/**
 * A recovered session that is already over (ended by the failover or the API while this process was down)
 * may have a finalized recording that lacks the recovered segments: queue its finalization again (the
 * finalizer repairs a ready recording whose stored segments changed). Open sessions are finalized when
 * they end, which `SessionManager.recoverOrphans` arranges.
 */
async function refinalizeClosedSessions(
  recovered: ScratchRecoveryReport,
  sessionDeps: SessionDeps,
  recordings: NonNullable<IngestAppDeps['recordings']>,
  logger: Logger,
): Promise<void> {
  for (const session of recovered.sessions) {
    if (!session.recordingId || session.stored === 0) continue;
    const { streamId, sessionId, recordingId } = session;
    try {
      const stream = await sessionDeps.store.get(streamId);
      if (stream && stream.sessionId === sessionId && hasOpenSession(stream.status)) continue;
      await recordings.enqueueFinalization({ recordingId, streamId, sessionId });
    } catch (err) {
      logger.error('scratch: could not queue the finalization of a recovered recording', { streamId, sessionId, recordingId, error: err instanceof Error ? err : String(err) });
    }
  }
}
