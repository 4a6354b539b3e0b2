/**
 * The ingest as it runs in an ECS Fargate task: the shared ingest app with the AWS adapters (S3 media,
 * DynamoDB registry, EventBridge events, the publish-auth Lambda), plus what only a task needs — a
 * heartbeat naming the streams it carries (failover's evidence that it is alive), scale-in protection
 * while it carries any, registry reconciliation for control changes, and EMF metrics.
 *
 * Must never: let the autoscaler stop a task that carries a live stream (protection is renewed well
 * before it lapses), or keep beating after it stopped carrying streams it no longer owns.
 */
import { hostAddresses } from '../../../../adapters/host-addresses';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { hostname } from 'node:os';
import { DynamoDbIngestHeartbeats } from '../../../../adapters/dynamodb-ingest-heartbeats';
import { DynamoDbHealthStore } from '../../../../adapters/dynamodb-health-store';
import { DynamoDbNodeStore } from '../../../../adapters/dynamodb-node-store';
import { DynamoDbSessionStore } from '../../../../adapters/dynamodb-session-store';
import { startHealthServer } from '../monitoring/health-server';
import { startPushServer } from '../http-push/push-server';
import { DynamoDbRecordingStore } from '../../../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../../../adapters/dynamodb-stream-store';
import { fetchEcsTaskIdentity } from '../../../../adapters/ecs-task-metadata';
import { EcsTaskProtection } from '../../../../adapters/ecs-task-protection';
import { EmfMetrics } from '../../../../adapters/emf-metrics';
import { EventBridgeEventPublisher } from '../../../../adapters/eventbridge-event-publisher';
import { LambdaPublishAuthClient } from '../../../../adapters/lambda-publish-auth-client';
import { S3ObjectStore } from '../../../../adapters/s3-object-store';
import { eventEmitter } from '../../../../core/events/emit-event';
import { startRecording } from '../../../../core/recordings/start';
import { systemClock } from '../../../../core/ports/clock';
import type { EventPublisher } from '../../../../core/ports/event-bus';
import type { IngestHeartbeatStore } from '../../../../core/ports/ingest-heartbeats';
import type { Logger } from '../../../../core/ports/logger';
import { noScaleInProtection, type ScaleInProtection } from '../../../../core/ports/scale-in-protection';
import { alwaysCurrentRevision, type RevisionStatus, type ServiceRevision } from '../../../../core/ports/service-revision';
import { EcsServiceRevision } from '../../../../adapters/ecs-service-revision';
import { ladderVcpu, streamBudget, usedCapacityPercent } from '../../../../core/capacity/stream-budget';
import { startIngestApp, type IngestApp } from '../ingest-app';
import { cloudRelays } from './cloud-relays';
import type { DrainReason } from '../session/ingest-drain';
import { startMediaProbes } from '../media/cloud-probes';
import type { PublishGate } from '../rtmp/rtmp-ingest';
import type { CloudIngestConfig } from './cloud-config';
import { PullJobConsumer } from '../pulls/pull-job-consumer';
import { cloudChannels, type CloudChannels } from './cloud-channels';
import { withinDeadline } from '../jobs/within-deadline';
import { DynamoDbBackupFeedReports } from '../../../../adapters/dynamodb-backup-feed-reports';
import { DynamoDbOutputLeaseStore } from '../../../../adapters/dynamodb-output-lease';
import { LiveOutputLease } from '../feeds/live-output-lease';
import { CLOUD_URL_POLICY } from '../../../../core/webhooks/url-policy';

/** What an encoder is told when this task's stream budget is used up. */
export const FULL_DESCRIPTION = 'Ingest task full: reconnect, another task takes the stream';

/** Protection is asked for this long and renewed at a third of it. */
const PROTECTION_MINUTES = 30;
const RECONCILE_MS = 5_000;
const METRICS_FLUSH_MS = 60_000;

export interface CloudIngestOverrides {
  /** Port of the loopback health-check server (0: any free port, as tests use; null: none). Default 8081. */
  healthCheckPort?: number | null;
  s3?: S3Client;
  sqs?: SQSClient;
  dynamo?: DynamoDBClient;
  publisher?: EventPublisher;
  lambda?: LambdaClient;
  authorize?: PublishGate;
  heartbeats?: IngestHeartbeatStore;
  protection?: ScaleInProtection;
  metrics?: EmfMetrics;
  taskId?: string;
  /** How often held channel jobs are looked at (tests). @default 1000 */
  channelTickMs?: number;
  /** Long-poll wait of the job queues this task polls (tests). @default 20 */
  sqsWaitSeconds?: number;
  /** @default ECS DescribeTasks/DescribeServices when the task metadata endpoint is set, else always current */
  revision?: ServiceRevision;
}

export interface CloudIngest {
  app: IngestApp;
  taskId: string;
  /** The 24/7 channel jobs this task takes (when a channel-job queue is configured). */
  channelJobs?: CloudChannels;
  /** Port of the health server (`/healthz`, `/readyz`), when it runs. */
  healthPort?: number;
  /** Beats now (also runs on its own interval and whenever the carried set changes). */
  beat(): Promise<void>;
  /** Drains (see session/ingest-drain.ts); resolves when no publisher is left or after `drainSeconds`. */
  drain(reason: DrainReason): Promise<void>;
  /** Checks the revision now (also runs every `revisionCheckSeconds`); an outdated task starts draining. */
  checkRevision(): Promise<RevisionStatus>;
  stop(): Promise<void>;
}

export async function startCloudIngest(config: CloudIngestConfig, logger: Logger, overrides: CloudIngestOverrides = {}): Promise<CloudIngest> {
  const dynamo = overrides.dynamo ?? new DynamoDBClient({});
  const store = new DynamoDbStreamStore({ tableName: config.tableName, client: dynamo, logger });
  const metrics = overrides.metrics ?? new EmfMetrics({ namespace: 'Streamplane', dimensions: { service: 'ingest' } });
  const publisher = overrides.publisher ?? new EventBridgeEventPublisher({ eventBusName: config.eventBusName, logger, metrics });
  const emit = eventEmitter({ store, publisher, clock: systemClock });
  const objectStore = new S3ObjectStore({ bucket: config.mediaBucket, client: overrides.s3 ?? new S3Client({}) });
  const heartbeats = overrides.heartbeats ?? new DynamoDbIngestHeartbeats({ tableName: config.tableName, client: dynamo });
  const protection = overrides.protection ?? (config.ecsAgentUri ? new EcsTaskProtection({ agentUri: config.ecsAgentUri }) : noScaleInProtection);
  const identity = config.ecsMetadataUri && !overrides.taskId ? await fetchEcsTaskIdentity({ metadataUri: config.ecsMetadataUri }) : undefined;
  const taskId = overrides.taskId ?? identity?.taskId ?? config.hostName ?? hostname();
  const revision: ServiceRevision =
    overrides.revision ?? (identity ? new EcsServiceRevision({ cluster: identity.cluster, taskArn: identity.taskArn, logger }) : alwaysCurrentRevision);
  // With cells, every publish names this task's cell: publish auth refuses other cells' streams (`wrong_cell`).
  const authClient = new LambdaPublishAuthClient({
    functionName: config.publishAuthFunction,
    ...(overrides.lambda ? { client: overrides.lambda } : {}),
    ...(config.ingestCell ? { cell: config.ingestCell } : {}),
  });
  const authorize: PublishGate = overrides.authorize ?? ((request) => authClient.authorize(request));

  const recordingDeps = {
    recordings: new DynamoDbRecordingStore({ tableName: config.tableName, client: dynamo }),
    objectStore,
    emit,
    clock: systemClock,
    playbackBase: config.playbackBaseUrl,
    logger,
  };
  // Pull jobs: taken only while this task has a free pull slot; held while the pull runs here.
  let pullJobs: PullJobConsumer | undefined;
  // The admission budget: the planned ladder's CPU against this task's vCPU (core/capacity/stream-budget.ts).
  const budget =
    config.streamBudget ?? (config.taskVcpu !== undefined ? streamBudget({ taskVcpu: config.taskVcpu, streamVcpu: ladderVcpu({ rungs: config.ladder }) }) : undefined);
  let appRef: IngestApp | undefined;
  const full = (): boolean => budget !== undefined && (appRef?.ingest.publishers.length ?? 0) >= budget;
  // 24/7 channels: fallback playout taken as jobs, one writer per stream through the output lease.
  const channels = config.channelJobQueueUrl
    ? cloudChannels({
        config: { ...config, channelJobQueueUrl: config.channelJobQueueUrl },
        taskId,
        store,
        dynamo,
        sqs: overrides.sqs ?? new SQSClient({}),
        clock: systemClock,
        logger,
        ...(overrides.channelTickMs !== undefined ? { tickMs: overrides.channelTickMs } : {}),
        ...(overrides.sqsWaitSeconds !== undefined ? { waitSeconds: overrides.sqsWaitSeconds } : {}),
      })
    : undefined;
  // One writer per stream's playlists across tasks (a reconnect elsewhere, the backup encoder's task): the
  // output lease, claimed by every live session before it writes and released once it stopped.
  const liveLease =
    channels?.live ??
    new LiveOutputLease({ taskId, leases: new DynamoDbOutputLeaseStore({ tableName: config.tableName, client: dynamo }), clock: systemClock, ttlMs: config.outputLeaseSeconds * 1000, logger });
  const app = await startIngestApp({
    outputLease: { claim: (streamId) => liveLease.claim(streamId), release: (streamId) => liveLease.release(streamId) },
    remoteBackup: { taskId, reports: new DynamoDbBackupFeedReports({ tableName: config.tableName, client: dynamo }) },
    ...(channels ? { channelMedia: channels.media, channelHosting: channels.hosting } : {}),
    admission: () => (full() ? { reason: 'capacity', description: FULL_DESCRIPTION } : undefined),
    config,
    ...(config.pullJobQueueUrl
      ? {
          pulls: {
            maxPulls: config.maxPulls,
            sourcePolicy: { ...CLOUD_URL_POLICY, allowCidrs: config.pullAllowCidrs },
            resolveHost: hostAddresses(),
            onFinished: (streamId: string, outcome: 'stopped' | 'failed' | 'closed') => void pullJobs?.finished(streamId, outcome),
          },
        }
      : {}),
    sessionDeps: { store, emit, clock: systemClock },
    emit,
    objectStore,
    authorize,
    playbackBase: config.playbackBaseUrl,
    logger,
    metrics,
    ...(config.simulcastKeyArn
      ? {
          relays: cloudRelays({
            tableName: config.tableName,
            keyId: config.simulcastKeyArn,
            dynamo,
            emit,
            logger,
            ffmpegPath: config.ffmpegPath,
            publishTimeoutSeconds: config.relayPublishTimeoutSeconds,
          }),
        }
      : {}),
    monitoring: {
      health: new DynamoDbHealthStore({ tableName: config.tableName, client: dynamo }),
      sessions: new DynamoDbSessionStore({ tableName: config.tableName, client: dynamo }),
      nodes: new DynamoDbNodeStore({ tableName: config.tableName, client: dynamo }),
      nodeId: taskId,
    },
    recordings: {
      // The recording keeps the policy its stream had when recording started (docs/playback.md).
      startRecording: async (input) => startRecording(recordingDeps, { ...input, playbackPolicy: (await store.get(input.streamId))?.playbackPolicy ?? 'public' }),
      // In AWS the finalizer is fed by the bus: a rule routes `stream.ended` to its queue, delayed long
      // enough for this task's drain to finish uploading. Nothing to send from here.
      enqueueFinalization: async () => undefined,
    },
  });

  appRef = app;
  if (channels && app.channels) channels.bind(app.channels);
  if (budget !== undefined) logger.info('ingest: stream budget', { budget, taskVcpu: config.taskVcpu });

  let carried = '';
  let protectedUntil = 0;
  // Once a drain has settled the task no longer asks for protection: ECS may stop it (SIGTERM, then the
  // stop flushes what is left), which is what bounds a deploy behind a task that carried live streams.
  let drained = false;
  const beat = async (): Promise<void> => {
    const streamIds = app.sessions.carriedStreamIds();
    carried = streamIds.join(',');
    // What the service scales on: the fleet's average used share of the per-task budgets.
    if (budget !== undefined) {
      const used = usedCapacityPercent(app.ingest.publishers.length, budget);
      metrics.gauge('stream_capacity_used_percent', used);
      // With cells each cell's service scales on its own tasks (the fleet-wide gauge above stays for the dashboard).
      if (config.ingestCell) metrics.gauge('stream_capacity_used_percent', used, { cell: config.ingestCell });
    }
    await heartbeats.beat(taskId, streamIds, systemClock.now());
    const now = Date.now();
    if (drained && protectedUntil > 0) {
      await protection.release();
      protectedUntil = 0;
    } else if (!drained && streamIds.length > 0 && protectedUntil - now < (PROTECTION_MINUTES * 60_000 * 2) / 3) {
      await protection.protect(PROTECTION_MINUTES);
      protectedUntil = now + PROTECTION_MINUTES * 60_000;
    } else if (streamIds.length === 0 && protectedUntil > 0) {
      await protection.release();
      protectedUntil = 0;
    }
  };
  const safely = (what: string, fn: () => Promise<unknown>) => () =>
    void fn().catch((err: unknown) => logger.error(`ingest: ${what} failed`, { error: err instanceof Error ? err : String(err) }));

  // MP4 exports never run here (they would take CPU from live transcodes): each is a task of its own
  // (recordings/export-worker.ts, started by the mp4-export-dispatch Lambda).
  if (config.pullJobQueueUrl && app.pulls) {
    pullJobs = new PullJobConsumer({ client: overrides.sqs ?? new SQSClient({}), queueUrl: config.pullJobQueueUrl, runner: app.pulls, logger, visibilitySeconds: config.pullJobVisibilitySeconds });
    pullJobs.start();
  }
  // Media library uploads are probed here too: ffprobe is in this image, not in Lambda.
  const probes = config.mediaProbeQueueUrl
    ? startMediaProbes({ config: { ...config, mediaProbeQueueUrl: config.mediaProbeQueueUrl }, sqs: overrides.sqs ?? new SQSClient({}), s3: overrides.s3 ?? new S3Client({}), objectStore, emit, logger, client: dynamo })
    : undefined;

  // The container's health check (an HTTP probe of the event loop and pipelines, not TCP on 1935).
  const healthServer =
    overrides.healthCheckPort === null
      ? undefined
      : await startHealthServer(app.node, {
          host: config.healthCheckHost,
          readiness: () => (app.drain.draining ? `draining:${app.drain.draining}` : full() ? 'full' : undefined),
          ...(overrides.healthCheckPort !== undefined ? { port: overrides.healthCheckPort } : {}),
        });

  const drain = (reason: DrainReason): Promise<void> =>
    app.drain.drain(reason, config.drainSeconds * 1000).then(async () => {
      drained = true;
      await beat().catch((err: unknown) => logger.warn('ingest: heartbeat after the drain failed', { error: err instanceof Error ? err : String(err) }));
    });
  const checkRevision = async (): Promise<RevisionStatus> => {
    const status = await revision.check();
    if (status === 'outdated' && !app.drain.draining) {
      logger.info('ingest: a deploy replaced this task\'s revision; draining');
      void drain('deploy');
    }
    return status;
  };

  // MPEG-TS over HTTP push, behind the NLB's HTTP (or TLS) listener.
  const pushServer = await startPushServer({ port: config.httpPort, host: config.bind, route: app.httpPushRoute, logger });

  await beat();
  const timers = [
    setInterval(safely('heartbeat', beat), config.heartbeatSeconds * 1000),
    // A change in the carried set is announced at once, not at the next beat.
    setInterval(safely('heartbeat', async () => (app.sessions.carriedStreamIds().join(',') !== carried ? beat() : undefined)), 1000),
    setInterval(safely('reconcile', () => app.sessions.reconcile()), RECONCILE_MS),
    // No bus reaches the task: a pull stopped through the API is seen by the runner's own reconcile.
    setInterval(() => metrics.flush(), METRICS_FLUSH_MS),
    setInterval(safely('revision check', checkRevision), config.revisionCheckSeconds * 1000),
  ];
  for (const t of timers) t.unref();
  logger.info('ingest: running', { taskId, rtmpPort: app.ingest.port });

  return {
    app,
    taskId,
    ...(channels ? { channelJobs: channels } : {}),
    ...(healthServer ? { healthPort: healthServer.port } : {}),
    beat,
    drain,
    checkRevision,
    async stop() {
      for (const t of timers) clearInterval(t);
      await healthServer?.close();
      await pushServer.close();
      // No new pull jobs; the running ones are handed back (visible again at once) as the app stops them.
      await pullJobs?.stop();
      // Channel jobs are handed back and their playouts stopped before the app (the director) closes.
      await channels?.stop();
      void probes?.stop();
      await app.stop();
      // Only now, with every live session flushed, may another task write their playlists.
      if (!(await withinDeadline(liveLease.close(), config.outputLeaseSeconds * 1000))) logger.warn('lease: the live leases were not released in time (they expire instead)');
      // The last beat names what this task still answers for; failover takes over once it goes stale.
      await beat().catch(() => undefined);
      await protection.release().catch(() => undefined);
      metrics.flush();
    },
  };
}
