/**
 * Where the handler module of each of the plane's functions lives (each exports `handler`). Tests replace
 * entries whose module is not written yet with a fixture; the stack bundles whatever it is given.
 *
 * Must never: point at a module outside lambdas/ by default (the bundles carry what these import).
 */
import { join } from 'node:path';
import { REPO_ROOT } from '../constructs/ingest-service';

/** Handler modules of the plane's functions (each exports `handler`). */
export interface LambdaEntries {
  readonly publishAuth: string;
  readonly streamRegistry: string;
  readonly webhooksApi: string;
  readonly recordingsApi: string;
  readonly registryEvents: string;
  readonly failover: string;
  readonly recordingFinalizer: string;
  readonly recordingRetention: string;
  readonly webhookDispatcher: string;
  readonly consoleDeploy: string;
  readonly playbackApi: string;
  readonly playbackAuth: string;
  readonly playbackEdgeSync: string;
  readonly simulcastApi: string;
  readonly simulcastCleanup: string;
  readonly mediaApi: string;
  readonly llPlaylist: string;
  readonly mp4ExportDispatch: string;
  readonly mp4ExportStopped: string;
  readonly channelJobs: string;
}

export const DEFAULT_LAMBDA_ENTRIES: LambdaEntries = {
  publishAuth: join(REPO_ROOT, 'lambdas/publish-auth/handler.ts'),
  streamRegistry: join(REPO_ROOT, 'lambdas/stream-registry/handler.ts'),
  webhooksApi: join(REPO_ROOT, 'lambdas/webhooks-api/handler.ts'),
  recordingsApi: join(REPO_ROOT, 'lambdas/recordings-api/handler.ts'),
  registryEvents: join(REPO_ROOT, 'lambdas/stream-registry/event-consumer.ts'),
  failover: join(REPO_ROOT, 'lambdas/failover/handler.ts'),
  recordingFinalizer: join(REPO_ROOT, 'lambdas/recording-finalizer/handler.ts'),
  recordingRetention: join(REPO_ROOT, 'lambdas/recording-retention/handler.ts'),
  webhookDispatcher: join(REPO_ROOT, 'lambdas/webhook-dispatcher/handler.ts'),
  consoleDeploy: join(REPO_ROOT, 'lambdas/console-deploy/handler.ts'),
  playbackApi: join(REPO_ROOT, 'lambdas/playback-api/handler.ts'),
  playbackAuth: join(REPO_ROOT, 'lambdas/playback-auth/handler.ts'),
  playbackEdgeSync: join(REPO_ROOT, 'lambdas/playback-edge-sync/handler.ts'),
  simulcastApi: join(REPO_ROOT, 'lambdas/simulcast-api/handler.ts'),
  simulcastCleanup: join(REPO_ROOT, 'lambdas/simulcast-cleanup/handler.ts'),
  mediaApi: join(REPO_ROOT, 'lambdas/media-api/handler.ts'),
  channelJobs: join(REPO_ROOT, 'lambdas/channel-jobs/handler.ts'),
  llPlaylist: join(REPO_ROOT, 'lambdas/ll-playlist/handler.ts'),
  mp4ExportDispatch: join(REPO_ROOT, 'lambdas/mp4-export-dispatch/handler.ts'),
  mp4ExportStopped: join(REPO_ROOT, 'lambdas/mp4-export-stopped/handler.ts'),
};
