/**
 * Simulcast in the local plane: the simulcast targets API handler served in-process
 * (`/v1/streams/{id}/simulcast-targets…`), keys encrypted with the data dir's key file
 * (adapters/local-key-cipher.ts, mode 0600), targets in the plane's DynamoDB table, and the ingest's
 * relay manager, which the API tells about every change so enabling or disabling a target while live
 * takes effect at once. A deleted stream's targets are removed with it.
 *
 * Must never: log a key or send a relay to a private address other than loopback.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbSimulcastTargetStore } from '../adapters/dynamodb-simulcast-target-store';
import { LocalKeyCipher } from '../adapters/local-key-cipher';
import { serveHttpApi } from '../adapters/local-http-api';
import type { EmitEvent } from '../core/events/emit-event';
import type { StreamplaneEvent } from '../core/events/catalog';
import { systemClock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import type { StreamStore } from '../core/ports/stream-store';
import { LOCAL_URL_POLICY, type UrlPolicy } from '../core/webhooks/url-policy';
import { RelayManager } from '../containers/ingest/src/relays/relay-manager';
import type { TokenSource } from '../lambdas/shared/bearer-auth';
import { deleteStreamTargets } from '../core/relays/stream-targets-cleanup';
import { createSimulcastApiHandler } from '../lambdas/simulcast-api/handler';
import { isSimulcastApiPath } from '../lambdas/simulcast-api/routes';
import type { Route } from './http/plane-http-server';

export interface LocalSimulcastOptions {
  dataDir: string;
  client: DynamoDBClient;
  tableName: string;
  streams: Pick<StreamStore, 'get'>;
  emit: EmitEvent;
  bus: { subscribe(listener: (event: StreamplaneEvent) => void | Promise<void>): () => void };
  apiToken: TokenSource;
  logger: Logger;
  ffmpegPath: string;
  maxTargets: number;
  publishTimeoutSeconds: number;
  policy?: UrlPolicy;
}

export interface LocalSimulcast {
  apiRoute: Route;
  relays: RelayManager;
  close(): Promise<void>;
}

export async function wireLocalSimulcast(options: LocalSimulcastOptions): Promise<LocalSimulcast> {
  const policy = options.policy ?? LOCAL_URL_POLICY;
  const targets = new DynamoDbSimulcastTargetStore({ tableName: options.tableName, client: options.client });
  const cipher = await LocalKeyCipher.inDataDir(options.dataDir);
  const relays = new RelayManager({
    store: targets,
    cipher,
    emit: options.emit,
    clock: systemClock,
    logger: options.logger,
    settings: {
      ffmpegPath: options.ffmpegPath,
      policy,
      publishTimeoutMs: options.publishTimeoutSeconds * 1000,
      // About 30 s of a 2 Mbit/s source, and never more than 10 s behind.
      buffer: { maxBytes: 8 * 1024 * 1024, maxLagMs: 10_000 },
      backoffScale: 1,
    },
    // The API below refreshes at once (the poll is for the cloud, where the API cannot reach the ingest);
    // here it only catches what changed behind its back, once a minute: every 5 s it was a table query per
    // live stream on the embedded DynamoDB, a cost bench:density profiles showed per passthrough stream.
    pollMs: 60_000,
  });
  const api = createSimulcastApiHandler({
    targets,
    streams: options.streams,
    cipher,
    clock: systemClock,
    urlPolicy: policy,
    maxTargets: options.maxTargets,
    onTargetsChanged: (streamId) => relays.refresh(streamId),
    apiToken: options.apiToken,
    logger: options.logger,
  });
  const unsubscribe = options.bus.subscribe(async (event) => {
    if (event.type !== 'stream.deleted' || !event.streamId) return;
    await deleteStreamTargets(targets, event.streamId).catch((err: unknown) => options.logger.warn('simulcast: could not delete the targets of a deleted stream', { streamId: event.streamId, error: err instanceof Error ? err.message : String(err) }));
  });
  return {
    apiRoute: async (req, res, url) => {
      if (!isSimulcastApiPath(url.pathname)) return false;
      await serveHttpApi(api, req, res, url);
      return true;
    },
    relays,
    async close() {
      unsubscribe();
      await relays.close();
    },
  };
}
