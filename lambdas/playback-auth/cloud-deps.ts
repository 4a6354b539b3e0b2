/**
 * Cold-start wiring of playback-auth: DynamoDB (stream and recording policies, keys, revocations, read
 * strongly consistent so a deletion or revocation applies to the next master fetch), S3 for the master
 * playlists, and the derived-token secret from Secrets Manager (through the Lambda extension, cached).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbPlaybackKeyStore } from '../../adapters/dynamodb-playback-key-store';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { systemClock } from '../../core/ports/clock';
import { decideAccess, type MediaScope, type PlaybackPolicy } from '../../core/playback/playback-access';
import { isRevokedAt } from '../../core/playback/playback-key';
import { apiTokenSource } from '../shared/api-token';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { loadPlaybackAuthConfig } from './config';
import { createPlaybackAuthHandler, type PlaybackAuthHandler } from './handler';

export async function buildPlaybackAuthHandler(env?: Env): Promise<PlaybackAuthHandler> {
  const config = loadPlaybackAuthConfig(env);
  const dynamo = new DynamoDBClient({});
  const keys = new DynamoDbPlaybackKeyStore({ tableName: config.tableName, client: dynamo });
  const streams = new DynamoDbStreamStore({ tableName: config.tableName, client: dynamo });
  const recordings = new DynamoDbRecordingStore({ tableName: config.tableName, client: dynamo });
  // The same extension-backed, cached reader as the API token (a bare value in the secret).
  const readSecret = apiTokenSource({ secretArn: config.secretArn, extensionPort: config.extensionPort, ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}) });
  const secret = async () => Buffer.from(await readSecret(), 'hex');
  const policyOf = async (scope: MediaScope): Promise<PlaybackPolicy> => {
    if (scope.folder === 'live') return (await streams.get(scope.id))?.playbackPolicy ?? 'signed';
    return (await recordings.get(scope.id))?.playbackPolicy ?? 'public';
  };
  const key = async (kid: string): Promise<KeyObject | undefined> => {
    const stored = /^pk_[a-z2-7]{20}$/.test(kid) ? await keys.getKey(kid) : undefined;
    return stored ? createPublicKey(stored.publicKey) : undefined;
  };
  return createPlaybackAuthHandler({
    decide: async (objectKey, token, origin) =>
      decideAccess(objectKey, token, origin, {
        policyOf,
        key,
        isRevoked: async (viewerId) => isRevokedAt(await keys.getRevocation(viewerId), systemClock.now()),
        secret: await secret(),
        now: systemClock.now(),
      }),
    secret,
    objects: new S3ObjectStore({ bucket: config.mediaBucket, client: new S3Client({}) }),
    logger: powertoolsLogger('playback-auth'),
  });
}
