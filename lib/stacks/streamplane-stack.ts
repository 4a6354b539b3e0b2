/**
 * The whole cloud plane in one stack: registry table, media bucket with CloudFront playback, network and
 * cluster, the event bus and its routed queues, the work queues (webhook retries, MP4 exports), the ingest
 * service behind its NLB, the Lambdas (publish auth, stream registry API and event consumer, webhooks
 * API, recordings API, failover, recording finalizer, webhook dispatcher, and with a recording retention
 * its daily sweep, wired in recording-retention.ts), the control API, the web console, monitoring, and the outputs
 * (plane-outputs.ts). Every permission is granted here (the optional sweep's beside its wiring) through
 * the owning construct's intent-named grant, so this file reads as the plane's access map.
 *
 * One stack on purpose: CloudFront's origin access control writes the distribution into the bucket policy
 * and every role names bucket and table ARNs, so a storage/compute split would need cross-stack exports
 * that lock both stacks together anyway. Stateful resources are retained on `cdk destroy` unless the
 * `removalPolicy` context key says `destroy`.
 *
 * Must never: grant a function or the ingest access it does not use (see the comment above each grant).
 */
import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { IngestCell, ingestCellConstructId } from '../constructs/ingest-cell';
import { IngestCellStack, ingestCellStackId } from '../constructs/ingest-cell-stack';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { PlaneConfig } from '../config';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { ConsoleSite } from '../constructs/console-site';
import { ApiRateLimit } from '../constructs/api-rate-limit';
import { ControlApi } from '../constructs/control-api';
import { EventConsumer } from '../constructs/event-consumer';
import { IngestFailover } from '../constructs/ingest-failover';
import { HTTPS_INGEST_PORT, IngestService, RTMPS_PORT, SRT_PORT } from '../constructs/ingest-service';
import { LIVE_PREFIX, MediaBucket, RECORDINGS_PREFIX } from '../constructs/media-bucket';
import { PlaneFunction } from '../constructs/plane-function';
import { PlaneMonitoring } from '../constructs/plane-monitoring';
import { PlaneNetwork } from '../constructs/plane-network';
import { PlaybackDistribution } from '../constructs/playback-distribution';
import { LowLatencyOrigin } from '../constructs/low-latency-origin';
import { PlaybackEdge } from '../constructs/playback-edge';
import { EDGE_SYNC_EVENT_TYPES } from '../../core/playback/edge-sync-events';
import { SIMULCAST_CLEANUP_EVENT_TYPES } from '../../core/relays/stream-targets-cleanup';
import { StreamTable } from '../constructs/stream-table';
import { SimulcastKeys } from '../constructs/simulcast-keys';
import { grantSendOnly, WorkQueue } from '../constructs/work-queue';
import { PullJobQueue } from '../constructs/pull-job-queue';
import { ChannelJobProducer } from '../constructs/channel-job-producer';
import { MediaLibrary } from '../constructs/media-library';
import { LIBRARY_PREFIX } from '../../core/media/layout';
import { DEFAULT_LAMBDA_ENTRIES, type LambdaEntries } from './lambda-entries';
import { addPlaneOutputs } from './plane-outputs';
import { addRecordingRetention } from './recording-retention';
import { Mp4ExportWorker } from '../constructs/mp4-export-worker';

export interface StreamplaneStackProps extends StackProps {
  readonly config: PlaneConfig;
  /** @default DEFAULT_LAMBDA_ENTRIES */
  readonly lambdaEntries?: Partial<LambdaEntries>;
  /** The ingest image. @default - built from containers/ingest/Dockerfile at deploy time */
  readonly ingestImage?: ecs.ContainerImage;
}

/** How often the ingest writes its heartbeat; the failover calls a task lost after four missed ones. */
export const HEARTBEAT_INTERVAL = Duration.seconds(15);

/**
 * How long a `stream.ended` waits before the finalizer sees it. After an end through the API (or a
 * disable) the ingest still drains the session's last uploads for up to about 40 s; finalizing after them
 * writes the VOD once instead of writing it and then repairing it with the late segments.
 */
export const FINALIZE_DELAY = Duration.seconds(60);

/** The webhook dispatcher's timeout; both of its queues keep a received message invisible six times this long. */
const WEBHOOK_DISPATCHER_TIMEOUT = Duration.minutes(1);

/**
 * Concurrent dispatcher invocations per queue. Each runs up to 64 deliveries (16 to one healthy endpoint),
 * so this bounds what the plane can throw at one receiver and at the table: 10 × 16 per lane.
 */
const WEBHOOK_DISPATCHER_CONCURRENCY = 10;

/**
 * How long an MP4 export job stays invisible once the dispatcher took it: six times the dispatcher's
 * 30-second timeout (what Lambda asks of an SQS event source); the export itself runs in its own task.
 */
const MP4_EXPORT_VISIBILITY = Duration.minutes(3);

export class StreamplaneStack extends Stack {
  readonly table: StreamTable;
  readonly accessLogs: AccessLogBucket;
  readonly media: MediaBucket;
  readonly playback: PlaybackDistribution;
  /** Signed playback at the edge: function, KeyValueStore, playback-auth origin. */
  readonly playbackEdge: PlaybackEdge;
  readonly playbackAuth: PlaneFunction;
  /** The blocking-reload origin of LL-HLS playlists (lambdas/ll-playlist). */
  readonly llPlaylist: PlaneFunction;
  readonly playbackApi: PlaneFunction;
  readonly playbackEdgeSync: EventConsumer;
  /** Simulcast targets API and the KMS key of their stream keys. */
  readonly simulcastApi: PlaneFunction;
  readonly simulcastKeys: SimulcastKeys;
  /** Deletes the simulcast targets (and key ciphertexts) of deleted streams. */
  readonly simulcastCleanup: EventConsumer;
  readonly network: PlaneNetwork;
  readonly eventBus: events.EventBus;
  /** Ingest cell 1 (the plane's only ingest fleet without cells). */
  readonly ingest: IngestService;
  /** Every ingest cell, cell 1 first (`-c ingestCells=N`). */
  readonly ingestCells: IngestCell[];
  readonly publishAuth: PlaneFunction;
  readonly streamRegistry: PlaneFunction;
  readonly webhooksApi: PlaneFunction;
  readonly recordingsApi: PlaneFunction;
  readonly mediaApi: PlaneFunction;
  readonly mediaLibrary: MediaLibrary;
  readonly registryEvents: EventConsumer;
  readonly failover: IngestFailover;
  readonly recordingFinalizer: EventConsumer;
  /** Only with a recording retention (`recordingRetentionDays` > 0). */
  readonly recordingRetention?: PlaneFunction;
  /** The daily schedule of `recordingRetention`. */
  readonly recordingRetentionSchedule?: events.Rule;
  readonly webhookDispatcher: EventConsumer;
  readonly webhookRetries: WorkQueue;
  readonly mp4Exports: WorkQueue;
  /** The export task definition and its dispatcher (RunTask per job). */
  readonly mp4ExportWorker: Mp4ExportWorker;
  /** 24/7 channels no task is ingesting: `{ streamId }` jobs an ingest task with capacity takes (docs/channels.md). */
  readonly channelJobs: WorkQueue;
  /** Queues channel jobs: on stream events and on a sweep (lambdas/channel-jobs). */
  readonly channelJobProducer: ChannelJobProducer;
  readonly pullJobs: PullJobQueue;
  readonly api: ControlApi;
  /** With `apiRateLimitPerFiveMinutes`: CloudFront + WAF in front of the API. */
  readonly apiRateLimit?: ApiRateLimit;
  /** The web console at https://<PlaybackDomain>/console/ (and the watch pages at /watch/<streamId>). */
  readonly console: ConsoleSite;
  readonly apiToken: secretsmanager.Secret;
  readonly monitoring: PlaneMonitoring;

  constructor(scope: Construct, id: string, props: StreamplaneStackProps) {
    super(scope, id, props);
    const { config } = props;
    const entries: LambdaEntries = { ...DEFAULT_LAMBDA_ENTRIES, ...props.lambdaEntries };
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logging = { logRetention: config.logRetentionDays as logs.RetentionDays, logRemovalPolicy: removalPolicy };

    // --- Data and delivery -------------------------------------------------------------------------
    this.table = new StreamTable(this, 'Registry', { removalPolicy });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs', { retentionDays: config.logRetentionDays, removalPolicy });
    this.media = new MediaBucket(this, 'Media', {
      accessLogBucket: this.accessLogs.bucket,
      liveRetentionDays: config.liveRetentionDays,
      recordingRetentionDays: config.recordingRetentionDays,
      removalPolicy,
    });
    // Signed playback: masters of signed ids are answered by playback-auth (ES256), everything else is
    // checked by the edge function (HMAC) against the KeyValueStore (docs/deploy-aws.md).
    const playbackSecretsExtension = lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
      cacheSize: 10,
      logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
    });
    this.playbackAuth = new PlaneFunction(this, 'PlaybackAuth', {
      entry: entries.playbackAuth,
      serviceName: 'playback-auth',
      description: 'Verifies viewer tokens of signed master playlists behind CloudFront',
      environment: { TABLE_NAME: this.table.tableName, MEDIA_BUCKET: this.media.bucketName },
      paramsAndSecrets: playbackSecretsExtension,
      ...logging,
    });
    this.playbackEdge = new PlaybackEdge(this, 'PlaybackEdge', { authFunction: this.playbackAuth.function, secretRemovalPolicy: removalPolicy });
    this.playbackAuth.function.addEnvironment('PLAYBACK_SECRET_ARN', this.playbackEdge.secret.secretArn);
    this.playbackEdge.secret.grantRead(this.playbackAuth.role);
    this.table.grantPlaybackKeys(this.playbackAuth.role, { write: false });
    this.table.grantReadPlaybackPolicies(this.playbackAuth.role);
    this.media.grantReadUnder(this.playbackAuth.role, LIVE_PREFIX);
    this.media.grantReadUnder(this.playbackAuth.role, RECORDINGS_PREFIX);
    // LL-HLS: blocking playlist reloads need an origin that can wait (S3 cannot): three target durations at most.
    const llHoldSeconds = 3 * config.segmentDurationSeconds;
    this.llPlaylist = new PlaneFunction(this, 'LlPlaylist', {
      entry: entries.llPlaylist,
      serviceName: 'll-playlist',
      description: 'Holds LL-HLS playlist requests (_HLS_msn/_HLS_part) until the part is stored, behind CloudFront',
      environment: { MEDIA_BUCKET: this.media.bucketName },
      timeout: Duration.seconds(llHoldSeconds + 3),
      memorySize: 256,
      ...logging,
    });
    this.media.grantReadUnder(this.llPlaylist.role, LIVE_PREFIX);
    const llOrigin = new LowLatencyOrigin(this, 'LowLatencyOrigin', { playlistFunction: this.llPlaylist.function, maxHoldSeconds: llHoldSeconds });
    this.playback = new PlaybackDistribution(this, 'Playback', {
      mediaBucket: this.media.bucket,
      segmentDurationSeconds: config.segmentDurationSeconds,
      accessLogBucket: this.accessLogs.bucket,
      signedPlayback: { viewerRequest: this.playbackEdge.viewerRequest, viewerResponse: this.playbackEdge.viewerResponse, authOrigin: this.playbackEdge.authOrigin },
      lowLatencyOrigin: llOrigin.origin,
      ...(config.livePlaylists === 'bundle' ? { mediaPlaylistOrigin: llOrigin.origin } : {}),
    });
    const playbackBaseUrl = `https://${this.playback.domainName}`;
    const table = this.table;
    const media = this.media;

    // --- Network and events --------------------------------------------------------------------------
    this.network = new PlaneNetwork(this, 'Network', { ...logging, ingestCells: config.ingestCells, cellSubnetMask: config.ingestCellSubnetMask });
    this.eventBus = new events.EventBus(this, 'EventBus', { description: 'Streamplane events: source "streamplane", detail-type = event type' });
    const busEnv = { TABLE_NAME: table.tableName, EVENT_BUS_NAME: this.eventBus.eventBusName };

    // --- Publish auth: resolves keys, moves the stream to connected, emits stream.connected/rejected.
    this.publishAuth = new PlaneFunction(this, 'PublishAuth', {
      entry: entries.publishAuth,
      serviceName: 'publish-auth',
      description: 'Decides whether a stream key may publish (invoked by the ingest)',
      environment: busEnv,
      // Reserved so a webhook or API storm cannot take the account's concurrency from publishes.
      ...(config.publishAuthReservedConcurrency > 0 ? { reservedConcurrentExecutions: config.publishAuthReservedConcurrency } : {}),
      ...logging,
    });
    table.grantResolveStreamKeys(this.publishAuth.role);
    table.grantSessionTransitions(this.publishAuth.role);
    this.eventBus.grantPutEventsTo(this.publishAuth.role);

    // --- MP4 exports: the recordings API queues `{ recordingId }` jobs, the dispatcher starts one Fargate task
    // per job (never the live ingest tasks). A job whose task would not start three times is dead-lettered.
    this.mp4Exports = new WorkQueue(this, 'Mp4Exports', {
      visibilityTimeout: MP4_EXPORT_VISIBILITY,
      maxReceiveCount: 3,
      maxMessageAge: Duration.hours(1),
      purpose: 'MP4 exports of recordings (each started as its own Fargate task by the dispatcher)',
    });

    // --- Channel jobs: a stream with a fallback and no publisher needs one ingest task to play it. The job
    // stays invisible while the task that took it renews its lease; a task lost lets it reappear.
    // The job is held (visibility extended) for as long as the task plays or stands by for the channel, so
    // a held job is old and healthy: kept the 14 days SQS allows, alarmed only shortly before it would be
    // dropped (the producer's sweep queues a new one once nobody plays the channel).
    this.channelJobs = new WorkQueue(this, 'ChannelJobs', {
      visibilityTimeout: Duration.seconds(30),
      retentionPeriod: Duration.days(14),
      maxReceiveCount: 10,
      maxMessageAge: Duration.days(13),
      purpose: '24/7 channel playout jobs for streams without a publisher (consumed by the ingest tasks)',
    });
    // --- Pull jobs: the control API queues one per start; ingest tasks with a free slot hold it while
    // the pull runs, so a dead task's pulls become visible again and another task takes them over.
    this.pullJobs = new PullJobQueue(this, 'PullJobs');
    // --- Simulcast stream keys: KMS envelope encryption (the table holds only ciphertext).
    this.simulcastKeys = new SimulcastKeys(this, 'SimulcastKeys', { removalPolicy });
    // --- Media library: S3 ObjectCreated under media/ → probe queue, taken by the ingest (where ffprobe is).
    this.mediaLibrary = new MediaLibrary(this, 'MediaLibrary', { media });

    // --- Ingest: writes (never deletes) media under live/ and recordings/, its sessions' stream items and
    // recordings, its heartbeat, the bus, invoking publish auth (MP4 exports run in tasks of their own).
    const ingestDomain = config.certificateArn && config.ingestDomainName ? config.ingestDomainName : undefined;
    // One cell per NLB (lib/constructs/ingest-cell.ts); cells 2… share cell 1's roles, so every grant below covers all.
    const ingestCellProps = {
      network: this.network,
      ...(props.ingestImage ? { image: props.ingestImage } : {}),
      architecture: config.ingestArchitecture,
      cpu: config.ingestCpu,
      memoryMiB: config.ingestMemoryMiB,
      minTasks: config.ingestMinTasks,
      maxTasks: config.ingestMaxTasks,
      drainSeconds: config.ingestDrainSeconds,
      spotPercent: config.ingestSpotPercent,
      onDemandBase: config.ingestOnDemandBase,
      ...(config.certificateArn ? { certificateArn: config.certificateArn } : {}),
      srtIngest: true,
      httpIngest: true,
      allowedCidrs: config.ingestAllowedCidrs,
      ...logging,
      environment: {
        STREAMPLANE_MEDIA_BUCKET: media.bucketName,
        STREAMPLANE_TABLE_NAME: table.tableName,
        STREAMPLANE_EVENT_BUS_NAME: this.eventBus.eventBusName,
        STREAMPLANE_PUBLISH_AUTH_FUNCTION: this.publishAuth.function.functionName,
        STREAMPLANE_PLAYBACK_BASE_URL: playbackBaseUrl,
        STREAMPLANE_SEGMENT_SECONDS: String(config.segmentDurationSeconds),
        STREAMPLANE_LIVE_PLAYLISTS: config.livePlaylists,
        STREAMPLANE_SEGMENT_OBJECTS: config.segmentObjects,
        STREAMPLANE_LADDER: config.ladder.join(','),
        STREAMPLANE_HEARTBEAT_SECONDS: String(HEARTBEAT_INTERVAL.toSeconds()),
        STREAMPLANE_CHANNEL_JOB_QUEUE_URL: this.channelJobs.queue.queueUrl,
        STREAMPLANE_CHANNEL_JOB_VISIBILITY_SECONDS: '30',
        STREAMPLANE_PULL_JOB_QUEUE_URL: this.pullJobs.queue.queueUrl,
        STREAMPLANE_PULL_JOB_VISIBILITY_SECONDS: String(this.pullJobs.visibilityTimeout.toSeconds()),
        STREAMPLANE_MAX_PULLS: String(config.maxPullsPerTask),
        STREAMPLANE_SIMULCAST_KMS_KEY_ARN: this.simulcastKeys.keyArn,
        STREAMPLANE_MEDIA_PROBE_QUEUE_URL: this.mediaLibrary.probes.queue.queueUrl,
      },
    };
    const firstCell = new IngestCell(this, ingestCellConstructId(1), { ...ingestCellProps, cellNumber: 1 });
    this.ingest = firstCell;
    this.ingestCells = [firstCell];
    for (let n = 2; n <= config.ingestCells; n++) {
      // Cells 2… are nested stacks of their own (subnets included), so the plane's stack holds 20 cells.
      this.ingestCells.push(new IngestCellStack(this, ingestCellStackId(n), { ...ingestCellProps, cellNumber: n, shareRolesWith: firstCell }).cell);
    }
    media.grantReadPutUnder(this.ingest.taskRole, LIVE_PREFIX);
    media.grantReadPutUnder(this.ingest.taskRole, RECORDINGS_PREFIX);
    table.grantSessionTransitions(this.ingest.taskRole);
    table.grantStartRecordings(this.ingest.taskRole);
    table.grantWriteHeartbeats(this.ingest.taskRole);
    // Health reports, session statistics (read first to continue a reconnected session) and its node report.
    table.grantWriteMonitoring(this.ingest.taskRole);
    this.eventBus.grantPutEventsTo(this.ingest.taskRole);
    this.publishAuth.grantInvokeLatest(this.ingest.taskRole);
    this.channelJobs.grantConsume(this.ingest.taskRole);
    // The output lease: one writer of a stream's playlists (channel playout or a live session).
    table.grantHoldOutputLeases(this.ingest.taskRole);
    this.pullJobs.grantTakeJobs(this.ingest.taskRole);
    // Simulcast relays: list a live stream's targets, write their status, decrypt their keys.
    table.grantSimulcastTargets(this.ingest.taskRole, 'relay');
    this.simulcastKeys.grantDecryptKeys(this.ingest.taskRole);
    // Probing library uploads: read the file (a presigned GET for ffprobe), delete a refused one, settle the item.
    this.mediaLibrary.grantConsumeProbes(this.ingest.taskRole);
    media.grantReadDeleteKeysUnder(this.ingest.taskRole, LIBRARY_PREFIX);
    table.grantSettleMedia(this.ingest.taskRole);

    // --- MP4 export tasks: the ingest image with the export command, one Fargate task per job.
    this.mp4ExportWorker = new Mp4ExportWorker(this, 'Mp4ExportWorker', {
      cluster: this.network.cluster,
      subnets: this.network.sharedSubnets,
      jobs: this.mp4Exports,
      table,
      media,
      dispatchEntry: entries.mp4ExportDispatch,
      stoppedEntry: entries.mp4ExportStopped,
      ...(props.ingestImage ? { image: props.ingestImage } : {}),
      architecture: config.ingestArchitecture,
      ...logging,
    });

    const rtmpServerUrl = ingestDomain ? `rtmps://${ingestDomain}:${RTMPS_PORT}/live` : this.ingest.rtmpServerUrl;

    // --- Control API. The bearer token is generated at deploy time and readable by the API functions only.
    this.apiToken = new secretsmanager.Secret(this, 'ApiToken', {
      description: 'Bearer token of the Streamplane control API ({"token": "..."})',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'token', excludePunctuation: true, passwordLength: 48 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.apiToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A static bearer token held by operators and their tools; automatic rotation would lock clients out without a handover. Rotate by putting a new value (the API picks it up within five minutes).',
    });
    // The API functions read the token through the AWS Parameters and Secrets extension.
    const secretsExtension = lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
      cacheSize: 10,
      logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
    });
    // The registry owns streams, keys, sequences and the event log.
    this.streamRegistry = new PlaneFunction(this, 'StreamRegistry', {
      entry: entries.streamRegistry,
      serviceName: 'stream-registry',
      description: 'The control API (/v1/...)',
      environment: {
        ...busEnv,
        RTMP_SERVER_URL: rtmpServerUrl,
        SRT_SERVER_URL: ingestDomain ? `srt://${ingestDomain}:${SRT_PORT}` : (this.ingest.srtServerUrl as string),
        HTTP_INGEST_BASE_URL: ingestDomain ? `https://${ingestDomain}:${HTTPS_INGEST_PORT}/ingest` : (this.ingest.httpIngestBaseUrl as string),
        PLAYBACK_BASE_URL: playbackBaseUrl,
        API_TOKEN_SECRET_ARN: this.apiToken.secretArn,
        DEFAULT_RECONNECT_WINDOW_SECONDS: String(config.reconnectWindowSeconds),
        PULL_JOB_QUEUE_URL: this.pullJobs.queue.queueUrl,
        // Each cell's host, cell 1 first: a stream's URLs name its cell's (core/cells/ingest-cells.ts).
        INGEST_CELLS: this.toJsonString(this.ingestCells.map((cell) => cellHost(cell, ingestDomain))),
      },
      paramsAndSecrets: secretsExtension,
      ...logging,
    });
    table.grantRegistryAccess(this.streamRegistry.role);
    // Streams per ingest cell: read to pick the least loaded cell, updated on create and delete.
    table.grantCellCounts(this.streamRegistry.role);
    // GET /v1/streams/{id}/health, …/sessions, /v1/sessions/{id}, /v1/nodes.
    table.grantReadMonitoring(this.streamRegistry.role);
    this.eventBus.grantPutEventsTo(this.streamRegistry.role);
    this.apiToken.grantRead(this.streamRegistry.role);
    // POST /v1/streams/{id}/start queues a pull job.
    this.pullJobs.grantSendJobs(this.streamRegistry.role);
    // A stream's fallback and slate ids must name ready library items.
    table.grantReadMedia(this.streamRegistry.role);

    // The registry's event consumer appends every plane event to the event log (GET /v1/events).
    this.registryEvents = new EventConsumer(this, 'RegistryEvents', {
      entry: entries.registryEvents,
      serviceName: 'registry-events',
      description: 'Appends every plane event to the event log',
      eventBus: this.eventBus,
      environment: busEnv,
      ...logging,
    });
    table.grantAppendEvents(this.registryEvents.handler.role);
    table.grantProjectSessions(this.registryEvents.handler.role);
    table.grantProjectOutput(this.registryEvents.handler.role);

    // --- Channel jobs: queued for streams with a fallback that nobody plays (events + a sweep). Reads
    // streams, media and output leases; sends to ChannelJobs — the only role that may.
    this.channelJobProducer = new ChannelJobProducer(this, 'ChannelJobProducer', {
      entry: entries.channelJobs,
      eventBus: this.eventBus,
      environment: { TABLE_NAME: table.tableName, CHANNEL_JOB_QUEUE_URL: this.channelJobs.queue.queueUrl },
      ...logging,
    });
    const producerRole = this.channelJobProducer.consumer.handler.role;
    table.grantListStreams(producerRole);
    table.grantReadMedia(producerRole);
    table.grantReadOutputLeases(producerRole);
    this.channelJobs.grantSend(producerRole);

    // --- Failover: stream state, heartbeats and reconnect deadlines, the bus.
    this.failover = new IngestFailover(this, 'Failover', {
      entry: entries.failover,
      cluster: this.network.cluster,
      service: this.ingest.service,
      ...(this.ingestCells.length > 1 ? { additionalServices: this.ingestCells.slice(1).map((cell) => cell.service) } : {}),
      table,
      eventBus: this.eventBus,
      heartbeatStaleAfter: Duration.seconds(HEARTBEAT_INTERVAL.toSeconds() * 4),
      ...logging,
    });

    // --- Recording finalizer: on stream.ended (delayed, see FINALIZE_DELAY) or a direct request, writes
    // the VOD playlists under recordings/ and its recording record, re-checks the session, emits
    // recording.*. It reads and writes recordings/ only (no live/, no deletes).
    this.recordingFinalizer = new EventConsumer(this, 'RecordingFinalizer', {
      entry: entries.recordingFinalizer,
      serviceName: 'recording-finalizer',
      description: 'Finalizes the recording of an ended session',
      eventBus: this.eventBus,
      eventTypes: ['stream.ended'],
      deliveryDelay: FINALIZE_DELAY,
      timeout: Duration.minutes(2),
      memorySize: 1024,
      environment: { ...busEnv, MEDIA_BUCKET: media.bucketName, PLAYBACK_BASE_URL: playbackBaseUrl },
      ...logging,
    });
    // On its last receive a failing recording is marked failed before the message is dead-lettered.
    this.recordingFinalizer.handler.function.addEnvironment('MAX_RECEIVE_COUNT', String(this.recordingFinalizer.inbox.maxReceiveCount));
    media.grantReadPutUnder(this.recordingFinalizer.handler.role, RECORDINGS_PREFIX);
    table.grantFinalizeRecordings(this.recordingFinalizer.handler.role);
    this.eventBus.grantPutEventsTo(this.recordingFinalizer.handler.role);

    // --- Recording retention (only with a retention): a daily sweep; see recording-retention.ts.
    if (config.recordingRetentionDays > 0) {
      const retention = addRecordingRetention(this, { entry: entries.recordingRetention, retentionDays: config.recordingRetentionDays, table, media, ...logging });
      this.recordingRetention = retention.sweep;
      this.recordingRetentionSchedule = retention.schedule;
    }

    // --- Webhook dispatcher: every event to every subscribed endpoint; its state lives in WEBHOOK items.
    // Two lanes with the same code: the events inbox (from the bus) and its own retry queue (retries as
    // chains of delayed messages of at most 15 minutes, first attempts routed away from slow endpoints,
    // manual redeliveries). Both dead-letter into the inbox's dead-letter queue, where exhausted deliveries
    // are parked too; an operator redrives it into the retry queue (docs/deploy-aws.md).
    this.webhookDispatcher = new EventConsumer(this, 'WebhookDispatcher', {
      entry: entries.webhookDispatcher,
      serviceName: 'webhook-dispatcher',
      description: 'Delivers plane events to webhook endpoints (signed, retried, dead-lettered)',
      eventBus: this.eventBus,
      timeout: WEBHOOK_DISPATCHER_TIMEOUT,
      maxConcurrency: WEBHOOK_DISPATCHER_CONCURRENCY,
      environment: busEnv,
      ...logging,
    });
    const webhookDeadLetters = this.webhookDispatcher.inbox.deadLetterQueue;
    this.webhookRetries = new WorkQueue(this, 'WebhookRetries', {
      visibilityTimeout: Duration.seconds(WEBHOOK_DISPATCHER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: webhookDeadLetters,
      maxReceiveCount: 5,
      // Messages are delayed by up to 15 minutes per hop by design; older than two hops means a stuck lane.
      maxMessageAge: Duration.minutes(30),
      purpose: 'webhook retries and redeliveries (the webhook dispatcher)',
    });
    this.webhookRetries.consumeWith(this.webhookDispatcher.handler.function, {
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(1),
      maxConcurrency: WEBHOOK_DISPATCHER_CONCURRENCY,
    });
    this.webhookDispatcher.handler.function.addEnvironment('WEBHOOK_RETRY_QUEUE_URL', this.webhookRetries.queue.queueUrl);
    this.webhookDispatcher.handler.function.addEnvironment('WEBHOOK_DLQ_URL', webhookDeadLetters.queueUrl);
    table.grantWebhookDeliveries(this.webhookDispatcher.handler.role);
    this.webhookRetries.grantSend(this.webhookDispatcher.handler.role);
    grantSendOnly(webhookDeadLetters, this.webhookDispatcher.handler.role);
    this.eventBus.grantPutEventsTo(this.webhookDispatcher.handler.role);

    // --- Webhooks API (/v1/webhooks…): endpoints and their delivery log; redeliveries go to the retry queue.
    this.webhooksApi = new PlaneFunction(this, 'WebhooksApi', {
      entry: entries.webhooksApi,
      serviceName: 'webhooks-api',
      description: 'The control API for webhook endpoints (/v1/webhooks...)',
      environment: { TABLE_NAME: table.tableName, WEBHOOK_RETRY_QUEUE_URL: this.webhookRetries.queue.queueUrl, API_TOKEN_SECRET_ARN: this.apiToken.secretArn },
      paramsAndSecrets: secretsExtension,
      ...logging,
    });
    table.grantWebhookEndpoints(this.webhooksApi.role);
    this.webhookRetries.grantSend(this.webhooksApi.role);
    this.apiToken.grantRead(this.webhooksApi.role);

    // --- Recordings API (/v1/recordings…, /v1/streams/{id}/recordings): reads and deletes recordings with
    // their media (listing and deleting under recordings/, never reading media), queues MP4 exports.
    this.recordingsApi = new PlaneFunction(this, 'RecordingsApi', {
      entry: entries.recordingsApi,
      serviceName: 'recordings-api',
      description: 'The control API for recordings (/v1/recordings..., /v1/streams/{id}/recordings)',
      // A delete lists and removes every object of a long recording; the HTTP API waits at most 30 s.
      timeout: Duration.seconds(29),
      environment: {
        TABLE_NAME: table.tableName,
        MEDIA_BUCKET: media.bucketName,
        PLAYBACK_BASE_URL: playbackBaseUrl,
        API_TOKEN_SECRET_ARN: this.apiToken.secretArn,
        MP4_EXPORT_QUEUE_URL: this.mp4Exports.queue.queueUrl,
      },
      paramsAndSecrets: secretsExtension,
      ...logging,
    });
    table.grantRecordingsApi(this.recordingsApi.role);
    media.grantDeleteUnder(this.recordingsApi.role, RECORDINGS_PREFIX);
    this.mp4Exports.grantSend(this.recordingsApi.role);
    this.apiToken.grantRead(this.recordingsApi.role);

    // --- Media API (/v1/media…): library items; presigns PUTs under media/ (PutObject there and nowhere
    // else, no read), deletes a deleted item's file, lists streams to refuse deleting an item in use.
    this.mediaApi = new PlaneFunction(this, 'MediaApi', {
      entry: entries.mediaApi,
      serviceName: 'media-api',
      description: 'The control API for the media library (/v1/media...)',
      environment: { TABLE_NAME: table.tableName, MEDIA_BUCKET: media.bucketName, API_TOKEN_SECRET_ARN: this.apiToken.secretArn },
      paramsAndSecrets: secretsExtension,
      ...logging,
    });
    table.grantMediaApi(this.mediaApi.role);
    media.grantPresignPutUnder(this.mediaApi.role, LIBRARY_PREFIX);
    media.grantDeleteKeysUnder(this.mediaApi.role, LIBRARY_PREFIX);
    this.apiToken.grantRead(this.mediaApi.role);

    // --- Playback API (/v1/playback-keys…, /v1/playback-revocations): keys and revocations, mirrored to the edge.
    this.playbackApi = new PlaneFunction(this, 'PlaybackApi', {
      entry: entries.playbackApi,
      serviceName: 'playback-api',
      description: 'The control API for playback keys and viewer revocations',
      environment: { TABLE_NAME: table.tableName, PLAYBACK_KVS_ARN: this.playbackEdge.keyValueStore.keyValueStoreArn, API_TOKEN_SECRET_ARN: this.apiToken.secretArn },
      paramsAndSecrets: secretsExtension,
      // The KeyValueStore client and its JavaScript SigV4A signer must share one copy of the SDK.
      bundleAwsSdk: true,
      ...logging,
    });
    table.grantPlaybackKeys(this.playbackApi.role, { write: true });
    this.playbackEdge.grantWriteStore(this.playbackApi.role);
    this.apiToken.grantRead(this.playbackApi.role);

    // --- Playback edge sync: which streams and recordings are signed, into the edge's KeyValueStore.
    this.playbackEdgeSync = new EventConsumer(this, 'PlaybackEdgeSync', {
      entry: entries.playbackEdgeSync,
      serviceName: 'playback-edge-sync',
      description: 'Mirrors playback policies of streams and recordings to the CloudFront KeyValueStore',
      eventBus: this.eventBus,
      eventTypes: [...EDGE_SYNC_EVENT_TYPES],
      environment: { TABLE_NAME: table.tableName, PLAYBACK_KVS_ARN: this.playbackEdge.keyValueStore.keyValueStoreArn, PLAYBACK_SECRET_ARN: this.playbackEdge.secret.secretArn },
      paramsAndSecrets: secretsExtension,
      bundleAwsSdk: true,
      ...logging,
    });
    table.grantReadPlaybackPolicies(this.playbackEdgeSync.handler.role);
    this.playbackEdge.grantWriteStore(this.playbackEdgeSync.handler.role);
    this.playbackEdge.secret.grantRead(this.playbackEdgeSync.handler.role);

    // --- Simulcast targets API (/v1/streams/{id}/simulcast-targets…): targets, keys encrypted (never decrypted) here.
    this.simulcastApi = new PlaneFunction(this, 'SimulcastApi', {
      entry: entries.simulcastApi,
      serviceName: 'simulcast-api',
      description: 'The control API for simulcast targets (push relays)',
      environment: { TABLE_NAME: table.tableName, SIMULCAST_KMS_KEY_ARN: this.simulcastKeys.keyArn, API_TOKEN_SECRET_ARN: this.apiToken.secretArn },
      paramsAndSecrets: secretsExtension,
      ...logging,
    });
    table.grantSimulcastTargets(this.simulcastApi.role, 'manage');
    table.grantReadStreamItems(this.simulcastApi.role);
    this.simulcastKeys.grantEncryptKeys(this.simulcastApi.role);
    this.apiToken.grantRead(this.simulcastApi.role);
    // --- Simulcast cleanup: a deleted stream's targets (and their key ciphertexts) go with it.
    this.simulcastCleanup = new EventConsumer(this, 'SimulcastCleanup', {
      entry: entries.simulcastCleanup,
      serviceName: 'simulcast-cleanup',
      description: 'Deletes the simulcast targets and key ciphertexts of deleted streams',
      eventBus: this.eventBus,
      eventTypes: [...SIMULCAST_CLEANUP_EVENT_TYPES],
      environment: { TABLE_NAME: table.tableName },
      ...logging,
    });
    table.grantSimulcastTargets(this.simulcastCleanup.handler.role, 'cleanup');

    this.api = new ControlApi(this, 'ControlApi', {
      handler: this.streamRegistry.function,
      routes: [
        { path: '/v1/webhooks', handler: this.webhooksApi.function },
        { path: '/v1/recordings', handler: this.recordingsApi.function },
        { path: '/v1/streams/{id}/recordings', handler: this.recordingsApi.function, subpaths: false },
        { path: '/v1/playback-keys', handler: this.playbackApi.function },
        { path: '/v1/playback-revocations', handler: this.playbackApi.function, subpaths: false },
        { path: '/v1/streams/{id}/simulcast-targets', handler: this.simulcastApi.function },
        { path: '/v1/media', handler: this.mediaApi.function },
      ],
      // Exactly the console's origin (the playback distribution serves it at /console/).
      corsAllowOrigins: [playbackBaseUrl],
      ...logging,
    });

    // --- Per-client rate limit in front of the API (CloudFront + WAF, us-east-1 only; see api-rate-limit.ts).
    if (config.apiRateLimitPerFiveMinutes > 0) {
      this.apiRateLimit = new ApiRateLimit(this, 'ApiRateLimit', { apiUrl: this.api.url, requestsPerFiveMinutes: config.apiRateLimitPerFiveMinutes, accessLogBucket: this.accessLogs.bucket });
    }
    const publicApiUrl = this.apiRateLimit?.url ?? this.api.url;

    // --- Web console: static files under console/ of the media bucket, behind the same distribution.
    this.console = new ConsoleSite(this, 'Console', {
      bucket: media.bucket,
      distribution: this.playback.distribution,
      apiUrl: publicApiUrl,
      deployerEntry: entries.consoleDeploy,
      ...logging,
    });

    // --- Observability.
    this.monitoring = new PlaneMonitoring(this, 'Monitoring', {
      dashboardName: config.stackPrefix,
      ingest: this.ingest,
      ...(this.ingestCells.length > 1 ? { additionalIngestCells: this.ingestCells.slice(1) } : {}),
      table: table.table,
      failover: this.failover.handler,
      functions: {
        PublishAuth: this.publishAuth,
        StreamRegistry: this.streamRegistry,
        WebhooksApi: this.webhooksApi,
        RecordingsApi: this.recordingsApi,
        MediaApi: this.mediaApi,
        RegistryEvents: this.registryEvents.handler,
        Failover: this.failover.handler,
        RecordingFinalizer: this.recordingFinalizer.handler,
        WebhookDispatcher: this.webhookDispatcher.handler,
        ConsoleDeploy: this.console.deployer,
        PlaybackApi: this.playbackApi,
        PlaybackAuth: this.playbackAuth,
        LlPlaylist: this.llPlaylist,
        PlaybackEdgeSync: this.playbackEdgeSync.handler,
        SimulcastApi: this.simulcastApi,
        SimulcastCleanup: this.simulcastCleanup.handler,
        Mp4ExportDispatch: this.mp4ExportWorker.dispatcher,
        ...(this.mp4ExportWorker.stoppedHandler ? { Mp4ExportStopped: this.mp4ExportWorker.stoppedHandler } : {}),
        ChannelJobProducer: this.channelJobProducer.consumer.handler,
        ...(this.recordingRetention ? { RecordingRetention: this.recordingRetention } : {}),
      },
      queues: {
        RegistryEvents: this.registryEvents.inbox,
        TaskStopped: this.failover.taskEvents,
        RecordingFinalizer: this.recordingFinalizer.inbox,
        WebhookDispatcher: this.webhookDispatcher.inbox,
        WebhookRetries: this.webhookRetries,
        Mp4Exports: this.mp4Exports,
        ...(this.mp4ExportWorker.taskStops ? { Mp4ExportTaskStopped: this.mp4ExportWorker.taskStops } : {}),
        ChannelJobs: this.channelJobs,
        ChannelJobEvents: this.channelJobProducer.consumer.inbox,
        PullJobs: this.pullJobs,
        MediaProbes: this.mediaLibrary.probes,
        PlaybackEdgeSync: this.playbackEdgeSync.inbox,
        SimulcastCleanup: this.simulcastCleanup.inbox,
      },
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
    });

    addPlaneOutputs(this, { ingestDomain, rtmpServerUrl, dashboardName: config.stackPrefix });
  }
}

/**
 * The host encoders use for a cell: its NLB's name, or with an ingest domain that name for cell 1 and
 * `cell-<n>.<domain>` for the others (the certificate must cover `*.<domain>` too; docs/deploy-aws.md).
 */
function cellHost(cell: IngestCell, ingestDomain: string | undefined): string {
  if (!ingestDomain) return cell.loadBalancer.loadBalancerDnsName;
  return cell.cellNumber === 1 ? ingestDomain : `${cell.cellId}.${ingestDomain}`;
}
