/**
 * One cloud ingest task in its own process, for tests that need two (node-media-server keeps one global
 * context per process, so two RTMP ingests cannot share one): the real container app against the
 * dynalite and s3rver endpoints in its environment, with the publish-auth Lambda answered by the real
 * handler in this process and EventBridge recorded. Prints `READY <rtmpPort>` once listening and
 * `EVENT <type>` for every event it puts on the bus; SIGTERM stops it.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { localDynamoClient } from '../../../adapters/dynalite-server';
import { DynamoDbStreamStore } from '../../../adapters/dynamodb-stream-store';
import { EventBridgeEventPublisher } from '../../../adapters/eventbridge-event-publisher';
import { EmfMetrics } from '../../../adapters/emf-metrics';
import { eventEmitter } from '../../../core/events/emit-event';
import { systemClock } from '../../../core/ports/clock';
import { silentLogger } from '../../../core/ports/logger';
import { loadCloudIngestConfig } from '../../../containers/ingest/src/cloud/cloud-config';
import { startCloudIngest } from '../../../containers/ingest/src/cloud/cloud-ingest';
import { createPublishAuthHandler } from '../../../lambdas/publish-auth/handler';

const env = process.env as Record<string, string>;
const dynamo = localDynamoClient(env.TASK_DYNAMO_ENDPOINT as string);
const s3 = new S3Client({
  endpoint: env.TASK_S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const bridge = mockClient(EventBridgeClient);
bridge.on(PutEventsCommand).callsFake((input: { Entries?: Array<{ DetailType?: string }> }) => {
  for (const entry of input.Entries ?? []) process.stdout.write(`EVENT ${entry.DetailType}\n`);
  return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: 'e' })) };
});
const publisher = new EventBridgeEventPublisher({ eventBusName: 'streamplane-test', client: new EventBridgeClient({ region: 'us-east-1' }) });
const store = new DynamoDbStreamStore({ tableName: env.TASK_TABLE as string, client: dynamo });
const auth = createPublishAuthHandler({ store, emit: eventEmitter({ store, publisher, clock: systemClock }), clock: systemClock });
const lambda = mockClient(LambdaClient);
lambda.on(InvokeCommand).callsFake(async (input: { Payload?: Uint8Array }) => {
  const request = JSON.parse(Buffer.from(input.Payload ?? new Uint8Array()).toString('utf8')) as Parameters<typeof auth>[0];
  return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(await auth(request, {} as Context))) };
});

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
