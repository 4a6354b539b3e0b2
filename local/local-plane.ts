/**
 * Assembles the whole plane on one machine: embedded DynamoDB (dynalite, on disk), the folder object
 * store, the in-process event bus and event log, the control API and publish-auth Lambda handlers served
 * in-process, the RTMP ingest with its transcoders and packagers, and the HLS origin. The same core and
 * handlers run in AWS with other adapters.
 *
 * Must never: leave a child process or listener behind after `stop`, or print a stream key.
 */
import { hostAddresses } from '../adapters/host-addresses';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createConsoleLogger } from '../adapters/console-logger';
import { FsObjectStore } from '../adapters/fs-object-store';
import { fakeLambdaContext } from '../adapters/local-lambda-context';
import { serveHttpApi } from '../adapters/local-http-api';
import { PrometheusMetrics } from '../adapters/prometheus-metrics';
import { DynamoDbHealthStore } from '../adapters/dynamodb-health-store';
import { DynamoDbNodeStore } from '../adapters/dynamodb-node-store';
import { DynamoDbSessionStore } from '../adapters/dynamodb-session-store';
import { projectSessionEvent } from '../core/sessions/session';
import { hostname } from 'node:os';
import { MEDIA_PREFIXES } from '../core/media/layout';
import { systemClock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import type { SessionDeps } from '../core/streams/publish-session';
import type { PublicUrls } from '../core/streams/stream';
import { createPublishAuthHandler } from '../lambdas/publish-auth/handler';
import { createStreamRegistryHandler } from '../lambdas/stream-registry/handler';
import type { PlaneConfig } from '../containers/ingest/src/config';
import { createPlaneHttpServer, healthRoute, metricsRoute, type Route } from './http/plane-http-server';
import { HlsOrigin } from './http/hls-origin';
import { LowLatencyOrigin } from './http/ll-origin';
import { MemoryLiveParts } from '../adapters/memory-live-parts';
import { CONSOLE_PATH, createConsoleRoute } from './http/console-route';
import { startIngestApp, type IngestApp } from '../containers/ingest/src/ingest-app';
import { isTsPush } from '../containers/ingest/src/http-push/ts-push-route';
import type { SessionManager } from '../containers/ingest/src/session/session-manager';
import type { PullRunner } from '../containers/ingest/src/pulls/pull-runner';
import { resolveApiToken } from './api-token';
import { startLocalRegistry, type LocalRegistry } from './local-registry';
import { wireLocalRecordings } from './recordings-wiring';
import { wireLocalWebhooks } from './webhooks-wiring';
import { wireLocalPlayback } from './playback-wiring';
import { wireLocalChannels } from './channels-wiring';
import type { ChannelMediaSource } from '../core/ports/channel-media';
import { wireLocalPulls } from './pulls-wiring';
import type { UrlPolicy } from '../core/webhooks/url-policy';
import { wireLocalSimulcast } from './simulcast-wiring';
import { wireLocalMedia } from './media-wiring';
import { libraryChannelMedia } from '../core/media-library/channel-media-source';


export interface LocalPlane {
  httpPort: number;
  rtmpPort: number;
  /** Bound SRT (UDP) and RTMPS ports, when those listeners run. */
  srtPort?: number;
  rtmpsPort?: number;
  /** Helper processes of the ingest (the SRT hub), for benchmarks that measure the plane's tree. */
  helperPids(): number[];
  apiToken: string;
  apiTokenSource: 'env' | 'file' | 'generated';
  /** `console`: the web console (`/console/`); the public watch pages are under `/watch/<streamId>`. */
  urls: PublicUrls & { api: string; console: string };
  sessions: SessionManager;
  /** Fallback playout and the reconnect slate, when the plane was given `channelMedia`. */
  channels: IngestApp['channels'];
  /** The pull runner (STREAMPLANE_MAX_PULLS at once). */
  pulls: PullRunner;
  metrics: PrometheusMetrics;
  bus: LocalRegistry['bus'];
  stop(): Promise<void>;
}

/** What the composition gets besides its configuration: `channelMedia` resolves channels' fallback and slate (the media library). */
export interface LocalPlaneParts {
  channelMedia?: ChannelMediaSource;
}

export async function startLocalPlane(config: PlaneConfig, logger: Logger = createConsoleLogger({ level: config.logLevel, format: config.logFormat }), parts: LocalPlaneParts = {}): Promise<LocalPlane> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const cleanups: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.warn('plane: cleanup step failed', { error: err instanceof Error ? err : String(err) });
      }
    }
    cleanups.length = 0;
  };

  try {
    const { token, source: tokenSource } = await resolveApiToken(dataDir, config.apiToken);
    const metrics = new PrometheusMetrics();

    const registry = await startLocalRegistry({ dataDir: join(dataDir, 'dynamodb'), logger });
    cleanups.push(() => registry.close());
    const { client, store, eventLog, bus, emit } = registry;
    // Webhooks: bus → events queue → dispatcher handler → receivers; serves /v1/webhooks… and /v1/events/stream.
    const webhooks = wireLocalWebhooks({
      bus,
      eventLog,
      client,
      tableName: registry.tableName,
      emit,
      apiToken: () => token,
      logger,
      metrics,
      ...(config.webhookRetryScheduleMs ? { dispatcher: { retryScheduleMs: config.webhookRetryScheduleMs } } : {}),
    });
    cleanups.push(() => webhooks.close());
    await webhooks.recoverPending();
    const sessionDeps: SessionDeps = { store, emit, clock: systemClock };
    // Health, sessions and nodes: the same table and adapters as in the cloud.
    const monitoring = {
      health: new DynamoDbHealthStore({ tableName: registry.tableName, client }),
      sessions: new DynamoDbSessionStore({ tableName: registry.tableName, client }),
      nodes: new DynamoDbNodeStore({ tableName: registry.tableName, client }),
    };
    // The session projection, as the registry's event consumer runs it in the cloud.
    cleanups.push(
      bus.subscribe((event) => {
        void projectSessionEvent({ sessions: monitoring.sessions }, event).catch((err: unknown) =>
          logger.warn('plane: could not update the session record', { eventId: event.id, error: err instanceof Error ? err.message : String(err) }),
        );
      }),
    );
    const objectStore = new FsObjectStore(join(dataDir, 'media'));

    // The HTTP listener comes first: its port is part of the URLs the API hands out.
    let ready = { ingest: false, api: false, store: true };
    let apiRoute: Route = async () => false;
    let recordingsRoute: Route = async () => false;
    let consoleRoute: Route = async () => false;
    let ingestPushRoute: Route = async () => false;
    let simulcastRoute: Route = async () => false;
    let mediaRoutes: Route = async () => false;
    // Playback keys API and the origin's signed-playback check (public media is served as before).
    const playback = await wireLocalPlayback({ dataDir, client, tableName: registry.tableName, streams: store, apiToken: () => token, logger });
    const liveParts = new MemoryLiveParts();
    const origin = new HlsOrigin({ objectStore, rootDir: join(dataDir, 'media'), prefixes: [...MEDIA_PREFIXES], access: playback.access, logger, lowLatency: new LowLatencyOrigin({ store: objectStore, liveParts, logger }) });
    const http = createPlaneHttpServer({
      logger,
      isLiveBody: isTsPush,
      routes: [
        // MPEG-TS push (`PUT|POST /ingest/STREAM_KEY`), served by the ingest.
        (req, res, url) => ingestPushRoute(req, res, url),
        healthRoute({ ingest: () => ready.ingest, api: () => ready.api, store: () => ready.store }),
        metricsRoute(() => metrics.render()),
        (req, res, url) => consoleRoute(req, res, url),
        webhooks.eventStreamRoute,
        webhooks.apiRoute,
        playback.apiRoute,
        // Media library API and uploads; before the catch-all /v1/ route, like recordings.
        (req, res, url) => mediaRoutes(req, res, url),
        // Before the stream registry's catch-all /v1/ route: it serves only the recordings paths.
        (req, res, url) => recordingsRoute(req, res, url),
        (req, res, url) => simulcastRoute(req, res, url),
        (req, res, url) => apiRoute(req, res, url),
        (req, res, url) => origin.handle(req, res, url.pathname),
      ],
    });
    const httpPort = await listen(http, config.httpPort, config.bind);
    cleanups.push(() => closeServer(http));

    const httpBase = `http://${config.publicHost}:${httpPort}`;
    const playbackBase = config.playbackBaseUrl ?? httpBase;
    // The web console: bundled now (cached under the data dir), served at /console/ and /watch/{id}.
    const webConsole = createConsoleRoute({ cacheDir: join(dataDir, 'console'), playbackBase, logger });
    consoleRoute = webConsole.route;

    const recordings = wireLocalRecordings({
      client,
      tableName: registry.tableName,
      objectStore,
      streams: store,
      emit,
      clock: systemClock,
      logger,
      metrics,
      playbackBase,
      apiToken: () => token,
      ...(config.recordingRetentionDays > 0 ? { retentionDays: config.recordingRetentionDays } : {}),
      ffmpegPath: config.ffmpegPath,
      scratchDir: join(dataDir, 'scratch', 'mp4'),
    });
    // Pushed before the ingest's cleanup, so it runs after the sessions flushed (cleanups run in reverse).
    cleanups.push(() => recordings.close());

    // Simulcast targets API and the ingest's relays (one per enabled target while live).
    const simulcast = await wireLocalSimulcast({
      dataDir,
      client,
      tableName: registry.tableName,
      streams: store,
      emit,
      bus,
      apiToken: () => token,
      logger,
      ffmpegPath: config.ffmpegPath,
      maxTargets: config.maxSimulcastTargets,
      publishTimeoutSeconds: config.relayPublishTimeoutSeconds,
    });
    simulcastRoute = simulcast.apiRoute;
    const media = wireLocalMedia({
      client,
      tableName: registry.tableName,
      objectStore,
      streams: store,
      emit,
      clock: systemClock,
      logger,
      apiToken: () => token,
      uploadBase: httpBase,
      maxBytes: config.mediaMaxBytes,
      ffprobePath: config.ffprobePath,
    });
    cleanups.push(() => media.close());
    mediaRoutes = async (req, res, url) => (await media.uploadRoute(req, res, url)) || media.apiRoute(req, res, url);

    const publishAuth = createPublishAuthHandler(sessionDeps);
    // Pull sources: loopback (and configured private ranges) allowed, as for webhooks on this machine.
    const sourcePolicy: UrlPolicy = { allowLoopback: true, allowCidrs: config.pullAllowCidrs };
    const resolveHost = hostAddresses();
    const app = await startIngestApp({
      config,
      sessionDeps,
      emit,
      objectStore,
      playbackBase,
      logger,
      metrics,
      authorize: (request) => publishAuth(request, fakeLambdaContext({ functionName: 'publish-auth', awsRequestId: 'local' })),
      recordings,
      relays: simulcast.relays,
      monitoring: { ...monitoring, nodeId: localNodeId() },
      channelMedia: parts.channelMedia ?? libraryChannelMedia(store, media.store),
      pulls: { maxPulls: config.maxPulls, sourcePolicy, resolveHost },
      liveParts,
    });
    cleanups.push(() => app.stop());
    const channels = wireLocalChannels({ bus, store, director: app.channels, logger });
    cleanups.push(() => channels.close());
    const pulls = wireLocalPulls({ runner: app.pulls as NonNullable<typeof app.pulls>, store, bus, logger });
    cleanups.push(() => pulls.close());
    const manager = app.sessions;
    const urls: PublicUrls = {
      rtmpServer: app.rtmpServer,
      playbackBase,
      ...(app.rtmpsServer ? { rtmpsServer: app.rtmpsServer } : {}),
      ...(app.srtServer ? { srtServer: app.srtServer } : {}),
      httpIngestBase: `http://${config.publicHost}:${httpPort}/ingest`,
    };
    ingestPushRoute = app.httpPushRoute;
    const unsubscribe = bus.subscribe((event) => manager.onEvent(event));
    cleanups.push(unsubscribe);
    await manager.recoverOrphans();
    // Sessions that ended while the plane was down, or whose finalization was still queued when it stopped.
    await recordings.recoverPending();
    // Streams without a publisher play their fallback from the start.
    await channels.start();
    recordingsRoute = recordings.apiRoute;
    ready.ingest = true;

    const api = createStreamRegistryHandler({
      store,
      eventLog,
      emit,
      clock: systemClock,
      urls,
      apiToken: () => token,
      logger,
      monitoring,
      pullJobs: pulls.jobs,
      sources: { sourcePolicy, resolveHost },
      media: media.store,
    });
    apiRoute = async (req, res, url) => {
      if (!url.pathname.startsWith('/v1/') && url.pathname !== '/v1') return false;
      await serveHttpApi(api, req, res, url);
      return true;
    };
    ready.api = true;
    await pulls.recoverPending();
    // Never rejects: a console that cannot be built answers with a problem saying why; the plane runs on.
    await webConsole.ready;

    return {
      httpPort,
      rtmpPort: app.ingest.port,
      ...(app.srtPort !== undefined ? { srtPort: app.srtPort } : {}),
      ...(app.rtmpsPort !== undefined ? { rtmpsPort: app.rtmpsPort } : {}),
      helperPids: () => app.helperPids(),
      apiToken: token,
      apiTokenSource: tokenSource,
      urls: { ...urls, api: `${httpBase}/v1`, console: `${httpBase}${CONSOLE_PATH}` },
      sessions: manager,
      channels: app.channels,
      pulls: app.pulls as PullRunner,
      metrics,
      bus,
      stop: async () => {
        ready = { ingest: false, api: false, store: false };
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The local plane's one ingest node, named after the machine (a valid node id). */
function localNodeId(): string {
  const name = hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 120);
  return `local-${name || 'host'}`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeAllConnections();
  });
}
