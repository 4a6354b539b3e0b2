/**
 * Backup ingest across two ingest tasks when the task carrying the active feed is lost (SIGKILL: no
 * flush, no last heartbeat, no lease release). The real failover handler, fed the ECS "task stopped"
 * event, sees the backup's standby reporting from a live task: it records the lost feed absent and
 * releases the lost task's output lease, so the backup takes over at once — not after the reconnect
 * window, and not after the lease expires (both a minute here) — continuing the same session's playlists.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DynamoDbBackupFeedReports } from '../../adapters/dynamodb-backup-feed-reports';
import { DynamoDbIngestHeartbeats } from '../../adapters/dynamodb-ingest-heartbeats';
import { DynamoDbOutputLeaseStore } from '../../adapters/dynamodb-output-lease';
import { DynamoDbReconnectDeadlines } from '../../adapters/dynamodb-reconnect-deadlines';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { eventEmitter } from '../../core/events/emit-event';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { systemClock } from '../../core/ports/clock';
import { createStream } from '../../core/streams/stream-registry';
import { feedsView } from '../../core/streams/feed-view';
import { createFailoverHandler } from '../../lambdas/failover/handler';
import { taskStateReaders, useCloudTaskEnv, type CloudTask } from '../support/cloud-tasks';
import { publish } from '../support/ffmpeg';
import { TEST_TABLE } from '../support/local-dynamo';
import { waitFor } from '../support/wait';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const BUCKET = 'streamplane-media';
const context = { functionName: 'failover', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

function taskStopped(taskId: string) {
  return {
    Records: [
      {
        messageId: 'm-1',
        eventSource: 'aws:sqs',
        body: JSON.stringify({
          version: '0',
          id: 'e-1',
          source: 'aws.ecs',
          'detail-type': 'ECS Task State Change',
          account: '123456789012',
          time: new Date().toISOString(),
          region: 'eu-west-1',
          resources: [],
          detail: {
            taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/Streamplane-Cluster/${taskId}`,
            clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/Streamplane-Cluster',
            lastStatus: 'STOPPED',
            desiredStatus: 'STOPPED',
            stoppedReason: 'Essential container in task exited',
          },
        }),
      },
    ],
  };
}

describe('failover of a lost task whose stream has its backup on a live task', () => {
  const env = useCloudTaskEnv(BUCKET);

  it('hands the stream to the backup at once, without waiting for the reconnect window or the lease', async () => {
    const { dynamo, s3: localS3 } = env;
    // Prepare: primary on task A (holding the lease), backup in standby on task B.
    const store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const published: string[] = [];
    const emit = eventEmitter({ store, publisher: { publish: async (event) => void published.push(event.type) }, clock: systemClock });
    const { stream, streamKey } = await createStream({ store, emit, clock: systemClock }, { name: 'lost task', reconnectWindowSeconds: 60, recording: false });
    const tasks = await env.startTasks(['task-a', 'task-b'], { TASK_LEASE_SECONDS: '60' });
    const [taskA, taskB] = tasks as [CloudTask, CloudTask];
    const leases = new DynamoDbOutputLeaseStore({ tableName: TEST_TABLE, client: dynamo.client });
    const readers = taskStateReaders(dynamo, stream.id);
    const holder = readers.holder;
    const feeds = async () => feedsView((await store.get(stream.id))!).map((f) => `${f.role}:${f.state}`).join(' ');
    const bucket = new S3ObjectStore({ bucket: BUCKET, client: localS3.client });
    const playlist = async () => {
      const body = await bucket.get(`live/${stream.id}/180p/index.m3u8`);
      return body ? parseMediaPlaylist(Buffer.from(body).toString('utf8')) : undefined;
    };
    const tail = async () => {
      const p = await playlist();
      return p ? p.mediaSequence + p.segments.length - 1 : -1;
    };
    const heartbeats = new DynamoDbIngestHeartbeats({ tableName: TEST_TABLE, client: dynamo.client });
    const handler = createFailoverHandler({
      failover: {
        store,
        emit,
        clock: systemClock,
        heartbeats,
        deadlines: new DynamoDbReconnectDeadlines({ tableName: TEST_TABLE, client: dynamo.client }),
        backup: { reports: new DynamoDbBackupFeedReports({ tableName: TEST_TABLE, client: dynamo.client }), leases },
      },
      settings: { staleAfterMs: 60_000 },
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'failover' }),
    });

    publish({ url: `rtmp://127.0.0.1:${taskA.rtmpPort}/live/${streamKey}`, width: 320, height: 180, gopSeconds: 1, seconds: 120 });
    await waitFor('the primary live', async () => (await store.get(stream.id))?.status === 'live', { timeoutMs: 40_000 });
    const backup = publish({ url: `rtmp://127.0.0.1:${taskB.rtmpPort}/live-backup/${streamKey}`, width: 320, height: 180, gopSeconds: 1, seconds: 120, pattern: 'smptebars', frequency: 880 });
    await waitFor('the backup in standby', async () => (await feeds()) === 'primary:active backup:standby', { timeoutMs: 20_000 });
    await waitFor('task A holds the lease', async () => (await holder()) === 'task-a:live', { timeoutMs: 20_000 });
    await waitFor('task A carries the stream', () => readers.carries('task-a'), { timeoutMs: 10_000 });
    await waitFor('a few primary segments', async () => (await tail()) >= 2, { timeoutMs: 20_000 });
    const before = await tail();

    // Act: task A is lost; ECS reports it stopped.
    await taskA.kill();
    const lostAt = Date.now();
    assert.equal(await holder(), 'task-a:live', 'a lost task leaves its lease held');
    const response = (await handler(taskStopped('task-a'), context)) as SQSBatchResponse;

    // Assess: the backup's task holds the lease and continues the playlists, long before 60 s.
    assert.deepEqual(response.batchItemFailures, []);
    await waitFor('task B holds the lease', async () => (await holder()) === 'task-b:live', { timeoutMs: 20_000, intervalMs: 100 });
    const resumed = await waitFor('backup segments in the same playlist', async () => {
      const p = await playlist();
      return p && p.mediaSequence + p.segments.length - 1 >= before + 2 && p.segments.some((s) => s.discontinuity) ? p : undefined;
    }, { timeoutMs: 30_000 });
    const tookMs = Date.now() - lostAt;
    assert.ok(tookMs < 30_000, `took ${tookMs} ms`);
    assert.ok(resumed.mediaSequence + resumed.segments.length - 1 > before);
    const record = await store.get(stream.id);
    assert.equal(record?.status, 'live', 'never interrupted');
    assert.equal(await feeds(), 'primary:absent backup:active');
    assert.ok(!published.includes('stream.interrupted'), published.join(','));
    const takeover = taskB.detailed.find((e) => e.type === 'stream.takeover');
    assert.deepEqual(takeover?.data, { from: 'primary', to: 'backup', reason: 'disconnected' });
    assert.equal(takeover?.sessionId, record?.sessionId);
    process.stdout.write(`# lost task to backup segments in the playlist: ${tookMs} ms\n`);
    await backup.kill('SIGKILL');
  });
});
