/**
 * Cold-start wiring of the playback API for AWS: validated config, DynamoDB for keys and revocations,
 * the CloudFront KeyValueStore the edge function reads, and the API token from its secret; EMF metrics
 * (`api_requests`) flushed per invocation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudFrontKvsEdgeSync } from '../../adapters/cloudfront-kvs-edge-sync';
import { DynamoDbPlaybackKeyStore } from '../../adapters/dynamodb-playback-key-store';
import { systemClock } from '../../core/ports/clock';
import { apiTokenSource } from '../shared/api-token';
import type { Env } from '../shared/config';
import { powertoolsLogger } from '../shared/logger';
import { EmfMetrics, withMetricsFlush } from '../shared/metrics';
import { loadPlaybackApiConfig } from './config';
import { createPlaybackApiHandler, type PlaybackApiDeps, type PlaybackApiHandler } from './handler';

const SERVICE = 'playback-api';

export async function playbackApiCloudDeps(env?: Env): Promise<PlaybackApiDeps & { metrics: EmfMetrics }> {
  const config = loadPlaybackApiConfig(env);
  return {
    keys: new DynamoDbPlaybackKeyStore({ tableName: config.tableName, client: new DynamoDBClient({}) }),
    clock: systemClock,
    edge: new CloudFrontKvsEdgeSync({ kvsArn: config.edgeKeyValueStoreArn }),
    apiToken: apiTokenSource(config.apiToken),
    logger: powertoolsLogger(SERVICE),
    metrics: new EmfMetrics(SERVICE),
  };
}

export async function buildPlaybackApiHandler(env?: Env): Promise<PlaybackApiHandler> {
  const deps = await playbackApiCloudDeps(env);
  return withMetricsFlush(createPlaybackApiHandler(deps), deps.metrics);
}
