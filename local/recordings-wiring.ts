/**
 * Recordings on the local plane: the same finalizer handler AWS runs, fed SQS-shaped records by an
 * in-process queue (with its own dead-letter queue); the recordings API served in-process; MP4 exports on
 * a second queue; the retention sweeper. On start, recordings a previous run left unfinished (a crash
 * between the end of a session and its finalization) are queued again.
 *
 * The queues live in memory: what they hold when the plane stops is found again at the next start from
 * the recording records (`recoverPending`), since every recorded session has one once its first segment
 * is stored.
 *
 * Must never: serve a path outside the recordings API, or keep a queue, timer or ffmpeg alive after close.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecordingStore } from '../adapters/dynamodb-recording-store';
import type { FsObjectStore } from '../adapters/fs-object-store';
import { serveHttpApi } from '../adapters/local-http-api';
import { LocalQueue } from '../adapters/local-queue';
import type { EmitEvent } from '../core/events/emit-event';
import type { Clock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import { noopMetrics, type Metrics } from '../core/ports/metrics';
import type { StreamStore } from '../core/ports/stream-store';
import type { Recording } from '../core/recordings/recording';
import { type FinalizationRequest, type FinalizeDeps, pendingFinalizations } from '../core/recordings/finalize';
import { startRecording } from '../core/recordings/start';
import type { TokenSource } from '../lambdas/shared/bearer-auth';
import { createRecordingFinalizerHandler } from '../lambdas/recording-finalizer/handler';
import { createRecordingsApiHandler } from '../lambdas/recordings-api/handler';
import { isRecordingsApiPath } from '../lambdas/recordings-api/routes';
import type { Route } from './http/plane-http-server';
import { createMp4ExportConsumer } from '../containers/ingest/src/recordings/mp4-export';
import { RetentionSweeper, type SweepReport } from './retention-sweeper';

export interface LocalRecordingsOptions {
  client: DynamoDBClient;
  tableName: string;
  objectStore: FsObjectStore;
  /** The stream registry: the finalizer re-checks sessions there, and events take their sequence from it. */
  streams: StreamStore;
  emit: EmitEvent;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  /** Base URL of the origin / CDN, without a trailing slash. */
  playbackBase: string;
  apiToken: TokenSource;
  /** Days recordings are kept; absent or 0 keeps them until deleted. */
  retentionDays?: number;
  /** A stream's own retention in days, overriding `retentionDays` (for when the stream model has the field). */
  streamRetentionDays?: (streamId: string) => Promise<number | undefined> | number | undefined;
  /** How long live media of streams that are not recorded is kept. Default 1 h. */
  liveRetentionMs?: number;
  /** Time between retention sweeps. Default 10 minutes. */
  sweepIntervalMs?: number;
  ffmpegPath?: string;
  /** Parent folder of MP4 export temp folders. Default: the OS temp dir. */
  scratchDir?: string;
  /** Receives before a finalization message is dead-lettered. Default 5. */
  maxReceiveCount?: number;
  /** How long a failed finalization message stays invisible before it is retried. Default 30 s. */
  retryAfterMs?: number;
}

export interface LocalRecordings {
  /** Serves the recordings API paths; false for any other path (the stream registry's). */
  apiRoute: Route;
  /** Queues the finalization of a session's recording (after its end; duplicates are harmless). */
  enqueueFinalization(request: FinalizationRequest): Promise<void>;
  /** Records that a recorded session stored its first segment (idempotent; emits `recording.started` once). */
  startRecording(input: { streamId: string; sessionId: string }): Promise<Recording>;
  /** Queues every recording a previous run left unfinished; returns how many. */
  recoverPending(): Promise<number>;
  /** One retention sweep now (tests, `streamplane` CLI). */
  sweepNow(): Promise<SweepReport>;
  /** Resolves when both queues have nothing visible or in progress. */
  whenIdle(): Promise<void>;
  /** Finalization messages that kept failing. */
  readonly deadLetters: LocalQueue;
  close(): Promise<void>;
}

export function wireLocalRecordings(options: LocalRecordingsOptions): LocalRecordings {
  const { logger } = options;
  const recordings = new DynamoDbRecordingStore({ tableName: options.tableName, client: options.client });
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const retryAfterMs = options.retryAfterMs ?? 30_000;
  const deps: FinalizeDeps = {
    recordings,
    objectStore: options.objectStore,
    streams: options.streams,
    emit: options.emit,
    clock: options.clock,
    playbackBase: options.playbackBase,
    logger,
    // A worker that dies while announcing takes the whole plane with it here, so a short lease is enough;
    // it must stay below the retry delay, or a 'busy' message could use up its receives.
    announceLeaseMs: Math.max(1, Math.floor(retryAfterMs / 2)),
  };

  const finalizer = createRecordingFinalizerHandler({ ...deps, maxReceiveCount, metrics: options.metrics ?? noopMetrics });
  const deadLetters = new LocalQueue({ name: 'recording-finalizer-dlq', logger });
  const finalizations = new LocalQueue({
    name: 'recording-finalizer',
    handler: (event, context) => finalizer(event, context),
    deadLetterQueue: deadLetters,
    maxReceiveCount,
    visibilityTimeoutMs: retryAfterMs,
    batchSize: 10,
    maxConcurrentBatches: 2,
    logger,
  });

  // Aborting kills a running export's ffmpeg, so none outlives the plane.
  const stopExports = new AbortController();
  const exportConsumer = createMp4ExportConsumer({
    recordings,
    signal: stopExports.signal,
    objectStore: options.objectStore,
    clock: options.clock,
    source: { dir: options.objectStore.root },
    logger,
    ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
    ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}),
  });
  const exports = new LocalQueue({
    name: 'recording-mp4-export',
    handler: (event) => exportConsumer(event),
    // One remux at a time: it is disk- and I/O-bound, and the plane has live streams to serve.
    batchSize: 1,
    maxConcurrentBatches: 1,
    visibilityTimeoutMs: 35 * 60_000,
    maxReceiveCount: 3,
    logger,
  });

  const api = createRecordingsApiHandler({
    recordings,
    streams: options.streams,
    objectStore: options.objectStore,
    clock: options.clock,
    playbackBase: options.playbackBase,
    mp4Exports: { request: async (recordingId) => void (await exports.sendMessage(JSON.stringify({ recordingId }))) },
    apiToken: options.apiToken,
    logger,
  });

  const sweeper = new RetentionSweeper({
    recordings,
    objectStore: options.objectStore,
    streams: options.streams,
    clock: options.clock,
    logger,
    ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
    ...(options.streamRetentionDays ? { streamRetentionDays: options.streamRetentionDays } : {}),
    ...(options.liveRetentionMs !== undefined ? { liveRetentionMs: options.liveRetentionMs } : {}),
    intervalMs: options.sweepIntervalMs ?? 10 * 60_000,
  });
  sweeper.start();

  let closed = false;
  return {
    apiRoute: async (req, res, url) => {
      if (!isRecordingsApiPath(url.pathname)) return false;
      await serveHttpApi(api, req, res, url);
      return true;
    },
    async enqueueFinalization(request) {
      await finalizations.sendMessage(JSON.stringify({ recordingId: request.recordingId, streamId: request.streamId, sessionId: request.sessionId }));
    },
    async startRecording(input) {
      // The recording keeps the policy its stream had when recording started (docs/playback.md).
      const stream = await options.streams.get(input.streamId);
      return (await startRecording(deps, { ...input, playbackPolicy: stream?.playbackPolicy ?? 'public' })).recording;
    },
    async recoverPending() {
      const pending = await pendingFinalizations(deps);
      for (const request of pending) await finalizations.sendMessage(JSON.stringify(request));
      if (pending.length > 0) logger.info('recordings: queued unfinished recordings again', { count: pending.length });
      return pending.length;
    },
    sweepNow: () => sweeper.sweepOnce(),
    async whenIdle() {
      await Promise.all([finalizations.whenIdle(), exports.whenIdle()]);
    },
    deadLetters,
    async close() {
      if (closed) return;
      closed = true;
      await sweeper.stop();
      await finalizations.close();
      stopExports.abort();
      await exports.close();
      await deadLetters.close();
    },
  };
}
