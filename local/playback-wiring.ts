/**
 * Signed playback in the local plane: serves the playback API handler (`/v1/playback-keys…`,
 * `/v1/playback-revocations`) in-process, keeps the derived-token secret in the data dir (mode 0600,
 * created on first start, so derived tokens survive a restart), and gives the HLS origin its access
 * control: the policy of a stream (live/) or recording (recordings/), the public keys and the
 * revocations, read from the same DynamoDB table the API writes — so a PATCH, a key deletion or a
 * revocation applies to the very next request.
 *
 * Must never log a token or the secret, or keep a private key.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbPlaybackKeyStore } from '../adapters/dynamodb-playback-key-store';
import { DynamoDbRecordingStore } from '../adapters/dynamodb-recording-store';
import { serveHttpApi } from '../adapters/local-http-api';
import { systemClock, type Clock } from '../core/ports/clock';
import type { Logger } from '../core/ports/logger';
import { noopEdgeSync } from '../core/ports/playback-key-store';
import type { StreamStore } from '../core/ports/stream-store';
import { decideAccess, type MediaScope, type PlaybackPolicy } from '../core/playback/playback-access';
import { isRevokedAt, parsePublicKey } from '../core/playback/playback-key';
import type { TokenSource } from '../lambdas/shared/bearer-auth';
import { createPlaybackApiHandler } from '../lambdas/playback-api/handler';
import { isPlaybackApiPath } from '../lambdas/playback-api/routes';
import type { OriginAccessControl } from './http/hls-origin';
import type { Route } from './http/plane-http-server';

export interface LocalPlaybackOptions {
  dataDir: string;
  client: DynamoDBClient;
  tableName: string;
  streams: Pick<StreamStore, 'get'>;
  apiToken: TokenSource;
  clock?: Clock;
  logger?: Logger;
}

export interface LocalPlayback {
  apiRoute: Route;
  access: OriginAccessControl;
}

export async function wireLocalPlayback(options: LocalPlaybackOptions): Promise<LocalPlayback> {
  const clock = options.clock ?? systemClock;
  const keys = new DynamoDbPlaybackKeyStore({ tableName: options.tableName, client: options.client });
  const recordings = new DynamoDbRecordingStore({ tableName: options.tableName, client: options.client });
  const secret = await resolvePlaybackSecret(options.dataDir);
  const api = createPlaybackApiHandler({ keys, clock, edge: noopEdgeSync, apiToken: options.apiToken, ...(options.logger ? { logger: options.logger } : {}) });

  // Parsing a PEM costs more than reading it; the parsed key is kept per PEM (a deleted key's PEM is
  // never read again because the store no longer returns it).
  const parsed = new Map<string, KeyObject | undefined>();
  const keyObject = async (kid: string): Promise<KeyObject | undefined> => {
    const key = /^pk_[a-z2-7]{20}$/.test(kid) ? await keys.getKey(kid) : undefined;
    if (!key) return undefined;
    if (!parsed.has(key.publicKey)) parsed.set(key.publicKey, parsePublicKey(key.publicKey));
    return parsed.get(key.publicKey);
  };

  const policyOf = async (scope: MediaScope): Promise<PlaybackPolicy> => {
    if (scope.folder === 'live') {
      // A stream that does not exist (deleted, never was) has nothing public to show.
      const stream = await options.streams.get(scope.id).catch(() => undefined);
      return stream ? (stream.playbackPolicy ?? 'public') : 'signed';
    }
    const recording = await recordings.get(scope.id).catch(() => undefined);
    if (!recording) return 'public';
    if (recording.playbackPolicy === 'signed') return 'signed';
    // While the session is live its segments are also the live stream's: the stream's current policy applies.
    if (recording.status === 'recording') return (await options.streams.get(recording.streamId))?.playbackPolicy ?? 'public';
    return 'public';
  };

  return {
    apiRoute: async (req, res, url) => {
      if (!isPlaybackApiPath(url.pathname)) return false;
      await serveHttpApi(api, req, res, url);
      return true;
    },
    access: {
      secret,
      decide: (key, token, requestOrigin) =>
        decideAccess(key, token, requestOrigin, {
          policyOf,
          key: keyObject,
          isRevoked: async (viewerId) => isRevokedAt(await keys.getRevocation(viewerId), clock.now()),
          secret,
          now: clock.now(),
        }),
    },
  };
}

async function resolvePlaybackSecret(dataDir: string): Promise<Buffer> {
  const file = join(dataDir, 'playback-secret');
  try {
    const stored = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(stored)) return Buffer.from(stored, 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32);
  await writeFile(file, secret.toString('hex') + '\n', { mode: 0o600 });
  return secret;
}
