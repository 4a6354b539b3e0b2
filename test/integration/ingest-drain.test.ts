/**
 * Deploys with live streams: an ingest task whose revision a deploy replaced drains. It refuses new
 * publishes with an RTMP error the encoder logs, turns its readiness check 503 (the NLB sends new encoders
 * elsewhere) while staying live, hands its live publisher off at a keyframe, and stops asking for scale-in
 * protection. The encoder's reconnect lands on the new task inside the reconnect window and continues the
 * same session and recording, numbering on with a discontinuity. A task whose stream budget is used up
 * refuses the next publish the same way (the encoder's retry lands elsewhere).
 *
 * The real cloud ingest (node-media-server, ffmpeg, packager) against dynalite and s3rver, with the
 * publish-auth Lambda's real handler behind a mocked Lambda client. node-media-server is a process-wide
 * singleton, so the "new task" starts in this process once the old one has stopped — as ECS does when it
 * replaces a drained task.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { EventBridgeEventPublisher } from '../../adapters/eventbridge-event-publisher';
import { EmfMetrics } from '../../adapters/emf-metrics';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { eventEmitter } from '../../core/events/emit-event';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import type { RevisionStatus } from '../../core/ports/service-revision';
import { createStream } from '../../core/streams/stream-registry';
import { loadCloudIngestConfig } from '../../containers/ingest/src/cloud/cloud-config';
import { startCloudIngest, type CloudIngest } from '../../containers/ingest/src/cloud/cloud-ingest';
import { publish, stopAll } from '../support/ffmpeg';
import { cloudRegistry } from '../support/cloud-registry';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { startTestS3, type TestS3 } from '../support/local-s3';
import { waitFor } from '../support/wait';

const BUCKET = 'streamplane-drain';

describe('ingest drain on deploy', () => {
  let dynamo: TestDynamo;
  let localS3: TestS3;
  let scratch: string;
  const tasks: CloudIngest[] = [];
  const bridge = mockClient(EventBridgeClient);
  const lambda = mockClient(LambdaClient);

  before(async () => {
    dynamo = await startTestDynamo();
    scratch = await mkdtemp(join(tmpdir(), 'streamplane-drain-'));
    localS3 = await startTestS3(BUCKET);
    bridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  });

  after(async () => {
    await stopAll();
    for (const task of tasks.splice(0)) await task.stop();
    await localS3.stop();
    await dynamo.stop();
    await rm(scratch, { recursive: true, force: true });
    bridge.restore();
    lambda.restore();
  });

  it('refuses new publishes, hands the live one off at a keyframe, and the reconnect continues the session on the new task', async () => {
    // Prepare: the registry, the auth Lambda, and the "old revision" task.
    const { store, publisher, emit } = cloudRegistry({ dynamo: dynamo.client, tableName: TEST_TABLE, lambda });
    const { stream, streamKey } = await createStream({ store, emit, clock: systemClock }, { name: 'drain', reconnectWindowSeconds: 120 });
    const config = (task: string) =>
      loadCloudIngestConfig({
        STREAMPLANE_RTMP_PORT: '0',
        STREAMPLANE_SRT_PORT: 'off',
        STREAMPLANE_HTTP_PORT: '0',
        STREAMPLANE_BIND: '127.0.0.1',
        STREAMPLANE_DATA_DIR: join(scratch, task),
        STREAMPLANE_LADDER: '360',
        STREAMPLANE_MEDIA_BUCKET: BUCKET,
        STREAMPLANE_TABLE_NAME: TEST_TABLE,
        STREAMPLANE_EVENT_BUS_NAME: 'streamplane-test',
        STREAMPLANE_PUBLISH_AUTH_FUNCTION: 'publish-auth',
        STREAMPLANE_PLAYBACK_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
        STREAMPLANE_HEARTBEAT_SECONDS: '1',
        STREAMPLANE_DRAIN_SECONDS: '20',
      });
    let revision: RevisionStatus = 'current';
    const protection: string[] = [];
    const start = async (task: string) => {
      const ingest = await startCloudIngest(config(task), silentLogger, {
        s3: localS3.client,
        dynamo: dynamo.client,
        publisher,
        lambda: new LambdaClient({ region: 'us-east-1' }),
        taskId: task,
        healthCheckPort: 0,
        revision: { check: async () => (task === 'old-task' ? revision : 'current') },
        protection: { protect: async () => void protection.push(`${task}:protect`), release: async () => void protection.push(`${task}:release`) },
        metrics: new EmfMetrics({ namespace: 'Streamplane', dimensions: { service: 'ingest' }, write: () => undefined }),
      });
      tasks.push(ingest);
      return ingest;
    };
    const old = await start('old-task');
    const health = (path: string) => fetch(`http://127.0.0.1:${old.healthPort}${path}`).then((r) => r.status);
    const bucket = new S3ObjectStore({ bucket: BUCKET, client: localS3.client });
    const encoder = publish({ url: `rtmp://127.0.0.1:${old.app.ingest.port}/live/${streamKey}`, width: 640, height: 360, seconds: 60, gopSeconds: 1 });
    await waitFor('the stream is live on the old task', async () => (await bucket.get(`live/${stream.id}/master.m3u8`)) !== undefined, { timeoutMs: 40_000 });
    await waitFor('protection while carrying a stream', () => protection.includes('old-task:protect'));
    const sessionId = (await store.get(stream.id))?.sessionId;
    assert.ok(sessionId);
    assert.equal(await health('/readyz'), 200);

    // Act: a deploy replaced the task's revision.
    revision = 'outdated';
    assert.equal(await old.checkRevision(), 'outdated');

    // Assess: the live publisher is handed off with a reason the encoder logs; the task stays healthy but not ready.
    const gone = await encoder.exited;
    assert.notEqual(gone.code, 0, 'ffmpeg was disconnected, not done');
    assert.match(encoder.stderr(), /Ingest task draining/);
    assert.equal(await health('/healthz'), 200, 'a draining task is not broken (ECS must not replace it)');
    assert.equal(await health('/readyz'), 503, 'the NLB stops sending new encoders');
    // A new publish (the encoder's reconnect, if the NLB still picked this task) is refused with the same reason.
    const refused = publish({ url: `rtmp://127.0.0.1:${old.app.ingest.port}/live/${streamKey}`, width: 640, height: 360, seconds: 10 });
    const refusal = await refused.exited;
    assert.notEqual(refusal.code, 0);
    assert.match(refused.stderr(), /Ingest task draining/);
    await waitFor('protection released once drained', () => protection.includes('old-task:release'), { timeoutMs: 30_000 });
    const before = parseMediaPlaylist(Buffer.from((await bucket.get(`live/${stream.id}/360p/index.m3u8`))!).toString('utf8'));
    const lastBefore = before.mediaSequence + before.segments.length - 1;

    // ECS stops the drained task; the encoder's reconnect lands on the new revision's task.
    await old.stop();
    tasks.splice(tasks.indexOf(old), 1);
    const fresh = await start('new-task');
    const reconnect = publish({ url: `rtmp://127.0.0.1:${fresh.app.ingest.port}/live/${streamKey}`, width: 640, height: 360, seconds: 30, gopSeconds: 1 });
    const after = await waitFor(
      'the new task publishes past the old numbering',
      async () => {
        const body = await bucket.get(`live/${stream.id}/360p/index.m3u8`);
        const p = body && parseMediaPlaylist(Buffer.from(body).toString('utf8'));
        return p && p.mediaSequence + p.segments.length - 1 > lastBefore + 1 ? p : undefined;
      },
      { timeoutMs: 40_000 },
    );
    assert.equal((await store.get(stream.id))?.sessionId, sessionId, 'one session across the hand-off');
    assert.ok(after.segments.some((s) => s.discontinuity), 'the seam is a discontinuity');
    await reconnect.kill();
  });

  it('admits streams up to its budget and refuses the next with an RTMP error, turning not-ready while full', async () => {
    const store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const publisher = new EventBridgeEventPublisher({ eventBusName: 'streamplane-test', client: new EventBridgeClient({ region: 'us-east-1' }) });
    const emit = eventEmitter({ store, publisher, clock: systemClock });
    const first = await createStream({ store, emit, clock: systemClock }, { name: 'first' });
    const second = await createStream({ store, emit, clock: systemClock }, { name: 'second' });
    const emf: string[] = [];
    const ingest = await startCloudIngest(
      loadCloudIngestConfig({
        STREAMPLANE_RTMP_PORT: '0',
        STREAMPLANE_SRT_PORT: 'off',
        STREAMPLANE_HTTP_PORT: '0',
        STREAMPLANE_BIND: '127.0.0.1',
        STREAMPLANE_DATA_DIR: join(scratch, 'full-task'),
        STREAMPLANE_LADDER: '360',
        STREAMPLANE_MEDIA_BUCKET: BUCKET,
        STREAMPLANE_TABLE_NAME: TEST_TABLE,
        STREAMPLANE_EVENT_BUS_NAME: 'streamplane-test',
        STREAMPLANE_PUBLISH_AUTH_FUNCTION: 'publish-auth',
        STREAMPLANE_PLAYBACK_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
        STREAMPLANE_HEARTBEAT_SECONDS: '1',
        STREAMPLANE_STREAM_BUDGET: '1',
      }),
      silentLogger,
      {
        s3: localS3.client,
        dynamo: dynamo.client,
        publisher,
        lambda: new LambdaClient({ region: 'us-east-1' }),
        taskId: 'full-task',
        healthCheckPort: 0,
        metrics: new EmfMetrics({ namespace: 'Streamplane', dimensions: { service: 'ingest' }, write: (line) => emf.push(line) }),
      },
    );
    tasks.push(ingest);
    const health = (path: string) => fetch(`http://127.0.0.1:${ingest.healthPort}${path}`).then((r) => r.status);
    assert.equal(await health('/readyz'), 200);

    const admitted = publish({ url: `rtmp://127.0.0.1:${ingest.app.ingest.port}/live/${first.streamKey}`, width: 640, height: 360, seconds: 30 });
    await waitFor('the first stream connected', async () => (await store.get(first.stream.id))?.status === 'live' || ingest.app.ingest.publishers.length === 1, { timeoutMs: 20_000 });
    await waitFor('not ready while full', async () => (await health('/readyz')) === 503);
    assert.equal(await health('/healthz'), 200);

    const refused = publish({ url: `rtmp://127.0.0.1:${ingest.app.ingest.port}/live/${second.streamKey}`, width: 640, height: 360, seconds: 10 });
    assert.notEqual((await refused.exited).code, 0);
    assert.match(refused.stderr(), /Ingest task full/);
    assert.equal((await store.get(second.stream.id))?.status, 'idle', 'the refused stream never connected (no auth call, no session)');
    await admitted.kill();
    await waitFor('ready again once the stream left', async () => (await health('/readyz')) === 200, { timeoutMs: 20_000 });
  });
});
