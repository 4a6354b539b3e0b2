/**
 * One cloud ingest task in its own process, for tests that need two (node-media-server keeps one global
 * context per process, so two RTMP ingests cannot share one): the real container app against the
 * dynalite and s3rver endpoints in its environment, with the publish-auth Lambda answered by the real
 * handler in this process and EventBridge recorded. Prints `READY <rtmpPort>` once listening and
 * `EVENT <type> <detail JSON>` for every event it puts on the bus; SIGTERM stops it. `TASK_LEASE_SECONDS`
 * sets the output lease's lifetime.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { localDynamoClient } from '../../../adapters/dynalite-server';
import { EmfMetrics } from '../../../adapters/emf-metrics';
import { silentLogger } from '../../../core/ports/logger';
import { loadCloudIngestConfig } from '../../../containers/ingest/src/cloud/cloud-config';
import { startCloudIngest } from '../../../containers/ingest/src/cloud/cloud-ingest';
import { cloudRegistry } from '../cloud-registry';
import { s3rverClient } from '../local-s3';

const env = process.env as Record<string, string>;
const dynamo = localDynamoClient(env.TASK_DYNAMO_ENDPOINT as string);
const s3 = s3rverClient(env.TASK_S3_ENDPOINT as string);
const bridge = mockClient(EventBridgeClient);
bridge.on(PutEventsCommand).callsFake((input: { Entries?: Array<{ DetailType?: string; Detail?: string }> }) => {
  for (const entry of input.Entries ?? []) process.stdout.write(`EVENT ${entry.DetailType} ${(entry.Detail ?? '{}').replace(/\n/g, ' ')}\n`);
  return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: 'e' })) };
});
const lambda = mockClient(LambdaClient);
const { publisher } = cloudRegistry({ dynamo, tableName: env.TASK_TABLE as string, lambda });

const config = loadCloudIngestConfig({
  STREAMPLANE_RTMP_PORT: '0',
  STREAMPLANE_SRT_PORT: 'off',
  STREAMPLANE_HTTP_PORT: '0',
  STREAMPLANE_BIND: '127.0.0.1',
  STREAMPLANE_DATA_DIR: env.TASK_DATA_DIR as string,
  STREAMPLANE_MEDIA_BUCKET: env.TASK_BUCKET as string,
  STREAMPLANE_TABLE_NAME: env.TASK_TABLE as string,
  STREAMPLANE_EVENT_BUS_NAME: 'streamplane-test',
  STREAMPLANE_PUBLISH_AUTH_FUNCTION: 'publish-auth',
  STREAMPLANE_PLAYBACK_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
  STREAMPLANE_HEARTBEAT_SECONDS: '1',
  STREAMPLANE_LADDER: '180',
  STREAMPLANE_OUTPUT_LEASE_SECONDS: env.TASK_LEASE_SECONDS ?? '15',
});
const ingest = await startCloudIngest(config, silentLogger, {
  s3,
  dynamo,
  publisher,
  lambda: new LambdaClient({ region: 'us-east-1' }),
  taskId: env.TASK_ID as string,
  healthCheckPort: 0,
  metrics: new EmfMetrics({ namespace: 'Streamplane', dimensions: { service: 'ingest' }, write: () => undefined }),
});
process.stdout.write(`READY ${ingest.app.ingest.port}\n`);
process.once('SIGTERM', () => {
  void ingest.stop().finally(() => process.exit(0));
});
