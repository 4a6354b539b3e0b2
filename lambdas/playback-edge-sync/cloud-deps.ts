/** Cold-start wiring of the playback edge sync: DynamoDB (streams, recordings) and the CloudFront KeyValueStore. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudFrontKvsEdgeSync } from '../../adapters/cloudfront-kvs-edge-sync';
import { DynamoDbRecordingStore } from '../../adapters/dynamodb-recording-store';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { apiTokenSource } from '../shared/api-token';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { loadPlaybackEdgeSyncConfig } from './config';
import { createPlaybackEdgeSyncHandler, type PlaybackEdgeSyncHandler } from './handler';

export async function buildPlaybackEdgeSyncHandler(env?: Env): Promise<PlaybackEdgeSyncHandler> {
  const config = loadPlaybackEdgeSyncConfig(env);
  const client = new DynamoDBClient({});
  const streams = new DynamoDbStreamStore({ tableName: config.tableName, client });
  const recordings = new DynamoDbRecordingStore({ tableName: config.tableName, client });
  const edge = new CloudFrontKvsEdgeSync({ kvsArn: config.kvsArn });
  // The edge function needs the derived-token secret before the first signed id appears there.
  await edge.ensureSecret(await apiTokenSource(config.secret)());
  return createPlaybackEdgeSyncHandler({
    streamPolicy: async (id) => (await streams.get(id))?.playbackPolicy,
    recordingPolicy: async (id) => (await recordings.get(id))?.playbackPolicy,
    setPolicy: (id, signed) => edge.setPolicy(id, signed),
    logger: powertoolsLogger('playback-edge-sync'),
  });
}
