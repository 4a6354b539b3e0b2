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
import { RtmpIngest, type PublishAdmission, type PublishGate } from './rtmp/rtmp-ingest';
import { IngestDrain } from './session/ingest-drain';
import { LiveSession } from './session/live-session';
import { SessionManager } from './session/session-manager';
import { StreamLabels } from './session/stream-labels';
import { NodeReporter } from './monitoring/node-reporter';
import type { NodeStore, SessionStore, StreamHealthStore } from '../../../core/ports/monitoring-stores';

export interface IngestAppDeps {
  config: Pick<PlaneConfig, 'rtmpPort' | 'bind' | 'publicHost' | 'dataDir' | 'ladder' | 'segmentSeconds' | 'liveWindowSegments' | 'ffmpegPath' | 'ffprobePath'> &
    Partial<Pick<PlaneConfig, 'thumbnailSeconds'>>;
  sessionDeps: SessionDeps;
  emit: EmitEvent;
  objectStore: ObjectStore;
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
  recordings?: {
    startRecording(input: { streamId: string; sessionId: string }): Promise<unknown>;
    enqueueFinalization(request: { recordingId: string; streamId: string; sessionId: string }): Promise<void>;
  };
}

export interface IngestApp {
  ingest: RtmpIngest;
  /** What start-up found on scratch from a previous run that died (see packager/scratch-recovery.ts). */
  recovered: ScratchRecoveryReport;
  sessions: SessionManager;
  /** `rtmp://HOST:PORT/live` as encoders should use it. */
  rtmpServer: string;
  /** This node's report and self-check (the cloud's HTTP health check answers from it). */
  node: NodeReporter;
  /** No new publishers, live ones handed off at a keyframe (deploys, SIGTERM). */
  drain: IngestDrain;
  stop(): Promise<void>;
}

export async function startIngestApp(deps: IngestAppDeps): Promise<IngestApp> {
  const { config, logger, metrics } = deps;
  const limiter = new FailureRateLimiter(systemClock, { maxFailures: 10, windowMs: 60_000, blockMs: 60_000 });
  const gate = rateLimitedGate({ emit: deps.emit, limiter, authorize: deps.authorize, metrics, logger });
  let sessions: SessionManager | undefined;
  const labels = new StreamLabels();
  const monitoring = deps.monitoring ? { health: deps.monitoring.health, sessions: deps.monitoring.sessions, nodeId: deps.monitoring.nodeId, labels } : undefined;
  const drain: IngestDrain = new IngestDrain({ publishers: () => ingest.publishers, logger, metrics });
  const ingest = new RtmpIngest({
    port: config.rtmpPort,
    host: config.bind,
    gate,
    logger,
    metrics,
    // A draining task refuses first; then the task's own admission budget (if any) decides.
    admission: () => drain.admission() ?? deps.admission?.(),
    onAccepted: (publish) => sessions?.onAccepted(publish),
    onGone: (publish) => sessions?.onGone(publish) ?? Promise.resolve(),
  });
  sessions = new SessionManager({
    sessionDeps: deps.sessionDeps,
    objectStore: deps.objectStore,
    logger,
    metrics,
    disconnect: (streamId) => ingest.disconnectStream(streamId),
    ...(deps.recordings
      ? {
          onSessionEnded: ({ streamId, sessionId }: { streamId: string; sessionId: string }) =>
            (deps.recordings as NonNullable<IngestAppDeps['recordings']>).enqueueFinalization({ recordingId: recordingIdFor(sessionId), streamId, sessionId }),
        }
      : {}),
    createSession: (publish) =>
      new LiveSession({
        publish,
        sessionDeps: deps.sessionDeps,
        emit: deps.emit,
        objectStore: deps.objectStore,
        logger,
        metrics,
        ladder: { rungs: config.ladder, segmentSeconds: config.segmentSeconds },
        liveWindowSegments: config.liveWindowSegments,
        scratchRoot: join(config.dataDir, 'scratch'),
        playbackUrl: `${deps.playbackBase}/${masterPlaylistPath(publish.streamId)}`,
        ffmpegPath: config.ffmpegPath,
        ffprobePath: config.ffprobePath,
        ...(config.thumbnailSeconds !== undefined ? { thumbnailSeconds: config.thumbnailSeconds } : {}),
        ...(monitoring ? { monitoring } : {}),
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
    drain,
    rtmpServer: `rtmp://${config.publicHost}:${ingest.port}/live`,
    async stop() {
      node.stop();
      // Sessions flush first (their publishers are cut as the listener stops right after).
      await manager.close();
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
