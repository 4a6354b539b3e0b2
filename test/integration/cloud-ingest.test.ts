/**
 * The ingest container's app with its AWS adapters pointed at local stand-ins: DynamoDB → dynalite,
 * S3 → s3rver, the publish-auth Lambda → the real handler behind a mocked Lambda client, EventBridge →
 * a mocked client that records PutEvents. A real ffmpeg publish must end as HLS objects in the bucket,
 * events on the bus, and a heartbeat naming the stream.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbIngestHeartbeats } from '../../adapters/dynamodb-ingest-heartbeats';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import { createStream } from '../../core/streams/stream-registry';
import { loadCloudIngestConfig } from '../../containers/ingest/src/cloud/cloud-config';
import { startCloudIngest, type CloudIngest } from '../../containers/ingest/src/cloud/cloud-ingest';
import { EmfMetrics } from '../../adapters/emf-metrics';
import { publish, stopAll } from '../support/ffmpeg';
import { cloudRegistry } from '../support/cloud-registry';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { startTestS3, type TestS3 } from '../support/local-s3';
import { waitFor } from '../support/wait';

const BUCKET = 'streamplane-media';

describe('cloud ingest against local AWS stand-ins', () => {
  let dynamo: TestDynamo;
  let localS3: TestS3;
  let scratch: string;
  let s3: S3Client;
  let ingest: CloudIngest | undefined;
  const bridge = mockClient(EventBridgeClient);
  const lambda = mockClient(LambdaClient);
  const emf: string[] = [];

  before(async () => {
    dynamo = await startTestDynamo();
    scratch = await mkdtemp(join(tmpdir(), 'streamplane-cloud-scratch-'));
    localS3 = await startTestS3(BUCKET);
    s3 = localS3.client;
    bridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  });

  after(async () => {
    await stopAll();
    await ingest?.stop();
    await localS3.stop();
    await dynamo.stop();
    await rm(scratch, { recursive: true, force: true });
    bridge.restore();
    lambda.restore();
  });

  it('turns a publish into HLS objects in the bucket, events on the bus and a heartbeat', async () => {
    const { store, publisher, emit } = cloudRegistry({ dynamo: dynamo.client, tableName: TEST_TABLE, lambda });

    const { stream, streamKey } = await createStream({ store, emit, clock: systemClock }, { name: 'cloud', reconnectWindowSeconds: 0 });
    const config = loadCloudIngestConfig({
      STREAMPLANE_RTMP_PORT: '0',
      STREAMPLANE_SRT_PORT: 'off',
      STREAMPLANE_HTTP_PORT: '0',
      STREAMPLANE_BIND: '127.0.0.1',
      STREAMPLANE_DATA_DIR: scratch,
      STREAMPLANE_MEDIA_BUCKET: BUCKET,
      STREAMPLANE_TABLE_NAME: TEST_TABLE,
      STREAMPLANE_EVENT_BUS_NAME: 'streamplane-test',
      STREAMPLANE_PUBLISH_AUTH_FUNCTION: 'publish-auth',
      STREAMPLANE_PLAYBACK_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
      STREAMPLANE_HEARTBEAT_SECONDS: '1',
    });
    ingest = await startCloudIngest(config, silentLogger, {
      s3,
      dynamo: dynamo.client,
      publisher,
      lambda: new LambdaClient({ region: 'us-east-1' }),
      taskId: 'task-under-test',
      healthCheckPort: 0,
      metrics: new EmfMetrics({ namespace: 'Streamplane', dimensions: { service: 'ingest' }, write: (line) => emf.push(line) }),
    });

    const encoder = publish({ url: `rtmp://127.0.0.1:${ingest.app.ingest.port}/live/${streamKey}`, width: 854, height: 480, seconds: 8 });
    const bucket = new S3ObjectStore({ bucket: BUCKET, client: s3 });
    await waitFor('the master playlist in the bucket', async () => (await bucket.get(`live/${stream.id}/master.m3u8`)) !== undefined, { timeoutMs: 40_000 });
    const heartbeats = new DynamoDbIngestHeartbeats({ tableName: TEST_TABLE, client: dynamo.client });
    const beat = await waitFor('a heartbeat naming the stream', async () => {
      const b = await heartbeats.get('task-under-test');
      return b?.streamIds.includes(stream.id) ? b : undefined;
    });
    assert.deepEqual(beat.streamIds, [stream.id]);
    await encoder.exited;

    const types = await waitFor('stream.ended on the bus', () => {
      const sent = bridge.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
      const all = sent.map((e) => e.DetailType);
      return all.includes('stream.ended') ? sent : undefined;
    });
    const ours = types.filter((e) => (JSON.parse(e.Detail ?? '{}') as { streamId?: string }).streamId === stream.id);
    assert.deepEqual(ours.map((e) => e.DetailType).filter((t) => t?.startsWith('stream.') && t !== 'stream.created'), ['stream.connected', 'stream.live', 'stream.ended']);
    assert.ok(ours.every((e) => e.Source === 'streamplane' && e.EventBusName === 'streamplane-test'));

    // Recording is on by default: segments are stored once, under the recording prefix, and the live
    // playlists point there.
    const live = await bucket.list(`live/${stream.id}/`);
    const recorded = await bucket.list('recordings/');
    for (const rendition of ['480p', '360p']) {
      const segments = recorded.filter((o) => o.key.includes(`/${rendition}/`) && o.key.endsWith('.ts'));
      assert.ok(segments.length >= 3, `${rendition} has its segments: ${recorded.map((o) => o.key).join(', ')}`);
      assert.ok(live.some((o) => o.key === `live/${stream.id}/${rendition}/index.m3u8`));
    }
    assert.ok(types.some((e) => e.DetailType === 'recording.started'), 'recording.started reached the bus');

    await ingest.stop();
    ingest = undefined;
    assert.ok(emf.some((line) => line.includes('"publish_accepted"')), 'EMF metrics were written');
    assert.deepEqual((await heartbeats.get('task-under-test'))?.streamIds, [], 'the last beat carries nothing');
  });
});
