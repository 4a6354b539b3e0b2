/**
 * 24/7 channels across two cloud ingest tasks against local AWS stand-ins (dynalite, s3rver, an in-memory
 * SQS queue with real visibility semantics, the real publish-auth handler behind a mocked Lambda client):
 * a channel job makes one task play the fallback, holding the output lease at channel priority; a
 * publisher on the other task claims the lease, the channel task hands over at a segment boundary and the
 * live packager continues the same playlists from the bucket; after the session the fallback resumes;
 * when the channel task stops, its job is handed back and the other task plays on; when the task playing
 * then loses its network (S3, DynamoDB and SQS cut), it fences itself — its feed stops before its lease
 * expires, nothing is written by it after that — and a third task takes the channel over once the lease
 * and the job's visibility lapse, also after the network is back. Throughout, every media sequence only
 * increases, each switch is a discontinuity, and output.changed tells the real previous output.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createConsoleLogger } from '../../adapters/console-logger';
import { EmfMetrics } from '../../adapters/emf-metrics';
import { DynamoDbMediaStore } from '../../adapters/dynamodb-media-store';
import { DynamoDbOutputLeaseStore } from '../../adapters/dynamodb-output-lease';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { SqsChannelJobQueue } from '../../adapters/sqs-channel-job-queue';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import { createStream } from '../../core/streams/stream-registry';
import { loadCloudIngestConfig } from '../../containers/ingest/src/cloud/cloud-config';
import { startCloudIngest, type CloudIngest } from '../../containers/ingest/src/cloud/cloud-ingest';
import { makeMediaFile } from '../support/channel-media';
import { FakeSqs } from '../support/fake-sqs';
import { publish, stopAll } from '../support/ffmpeg';
import { cloudRegistry } from '../support/cloud-registry';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { startTestS3, type TestS3 } from '../support/local-s3';
import { CuttableNetwork } from '../support/cuttable-network';
import { staysTrue, waitFor } from '../support/wait';

const BUCKET = 'streamplane-media';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/channel-jobs';
// A lease must outlast the store's worst renewal latency several times over: on a loaded test machine an
// in-process dynalite renewal takes up to ~2.5 s, which a 3 s lease (fenced at 2 s) cannot survive — the
// holder would fence itself, safely but over and over. Production uses 15 s against DynamoDB.
const LEASE_SECONDS = 9;
const VISIBILITY_SECONDS = 6;

interface Sample { mediaSequence: number; uris: string[]; discontinuities: number }

describe('24/7 channel jobs across two cloud ingest tasks', () => {
  let dynamo: TestDynamo;
  let localS3: TestS3;
  const dirs: string[] = [];
  const tasks = new Map<string, CloudIngest>();
  const networks = new Map<string, CuttableNetwork>();
  // The playlist watcher runs until the test ends, also when it fails.
  let watching = false;
  const bridge = mockClient(EventBridgeClient);
  const lambda = mockClient(LambdaClient);
  const queue = new FakeSqs();

  before(async () => {
    dynamo = await startTestDynamo();
    localS3 = await startTestS3(BUCKET);
    bridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  });

  after(async () => {
    watching = false;
    await stopAll();
    for (const [taskId, task] of tasks) {
      const network = networks.get(taskId);
      if (network) network.cut = false;
      await task.stop().catch(() => undefined);
    }
    for (const network of networks.values()) network.destroy();
    await localS3.stop();
    await dynamo.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    bridge.restore();
    lambda.restore();
  });

  it('plays the fallback on one task, hands over to a publisher on the other and back, and survives the channel task stopping', async () => {
    // Prepare: the registry, the media library with one ready clip, and two tasks sharing one queue.
    const { store, publisher, emit } = cloudRegistry({ dynamo: dynamo.client, tableName: TEST_TABLE, lambda });
    const bucket = new S3ObjectStore({ bucket: BUCKET, client: localS3.client });
    const media = new DynamoDbMediaStore({ tableName: TEST_TABLE, client: dynamo.client });
    const fixtures = await mkdtemp(join(tmpdir(), 'streamplane-channel-fixtures-'));
    dirs.push(fixtures);
    const clip = await makeMediaFile(fixtures, 'loop', 'mp4', 4);
    const mediaId = newId('media');
    const now = new Date().toISOString();
    await bucket.put(`media/${mediaId}/source`, await readFile(clip), { contentType: 'video/mp4', cacheControl: 'no-store' });
    await media.create({
      id: mediaId, name: 'loop', status: 'ready', objectKey: `media/${mediaId}/source`, uploadExpiresAt: now,
      durationSeconds: 4, kind: 'video', codecs: ['h264', 'aac'], width: 320, height: 180, bytes: 1, createdAt: now, updatedAt: now, version: 1,
    });
    const { stream, streamKey } = await createStream({ store, emit, clock: systemClock, media }, {
      name: 'channel', reconnectWindowSeconds: 0, recording: false, fallback: { mediaIds: [mediaId], order: 'sequential' },
    });
    const startTask = async (taskId: string) => {
      const scratch = await mkdtemp(join(tmpdir(), `streamplane-${taskId}-`));
      dirs.push(scratch);
      const config = loadCloudIngestConfig({
        STREAMPLANE_RTMP_PORT: '0', STREAMPLANE_HTTP_PORT: '0', STREAMPLANE_BIND: '127.0.0.1', STREAMPLANE_DATA_DIR: scratch,
        STREAMPLANE_MEDIA_BUCKET: BUCKET, STREAMPLANE_TABLE_NAME: TEST_TABLE, STREAMPLANE_EVENT_BUS_NAME: 'streamplane-test',
        STREAMPLANE_PUBLISH_AUTH_FUNCTION: 'publish-auth', STREAMPLANE_PLAYBACK_BASE_URL: 'https://d111111abcdef8.cloudfront.net',
        STREAMPLANE_HEARTBEAT_SECONDS: '5', STREAMPLANE_SEGMENT_SECONDS: '1', STREAMPLANE_LADDER: '180',
        STREAMPLANE_CHANNEL_JOB_QUEUE_URL: QUEUE_URL, STREAMPLANE_CHANNEL_JOB_VISIBILITY_SECONDS: String(VISIBILITY_SECONDS), STREAMPLANE_OUTPUT_LEASE_SECONDS: String(LEASE_SECONDS),
      });
      const logger = process.env.TEST_LOG ? createConsoleLogger({ level: 'info' }).child({ task: taskId }) : silentLogger;
      // Each task has its own network to S3, DynamoDB and SQS, which Act 5 cuts.
      const network = new CuttableNetwork();
      networks.set(taskId, network);
      tasks.set(taskId, await startCloudIngest(config, logger, {
        s3: network.s3(localS3.endpoint), dynamo: network.dynamo(dynamo.server.endpoint), publisher, lambda: new LambdaClient({ region: 'us-east-1' }), sqs: network.sqs(queue.client()),
        taskId, healthCheckPort: null, channelTickMs: 250, sqsWaitSeconds: 1,
        metrics: new EmfMetrics({ namespace: 'Streamplane', dimensions: { service: 'ingest' }, write: () => undefined }),
      }));
    };
    for (const taskId of ['task-a', 'task-b']) await startTask(taskId);
    const leases = new DynamoDbOutputLeaseStore({ tableName: TEST_TABLE, client: dynamo.client });
    const playlistKey = `live/${stream.id}/180p/index.m3u8`;
    const samples: Sample[] = [];
    watching = true;
    const watcher = (async () => {
      while (watching) {
        const body = await bucket.get(playlistKey).catch(() => undefined);
        // s3rver (unlike S3) may answer a read racing a write with a partial body: skip what is not whole.
        const text = body ? Buffer.from(body).toString('utf8') : '';
        if (text.startsWith('#EXTM3U') && text.endsWith('\n')) {
          const p = parseMediaPlaylist(text);
          samples.push({ mediaSequence: p.mediaSequence, uris: p.segments.map((s) => s.uri), discontinuities: p.discontinuitySequence + p.segments.filter((s) => s.discontinuity).length });
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    const holder = async () => {
      const lease = await leases.get(stream.id);
      return lease && !lease.released && lease.expiresAt.getTime() > Date.now() ? lease : undefined;
    };
    const tail = () => { const s = samples.at(-1); return s ? s.mediaSequence + s.uris.length - 1 : -1; };

    // Act 1: the producer's job; exactly one task plays the channel.
    await new SqsChannelJobQueue({ queueUrl: QUEUE_URL, client: queue.client() }).send({ streamId: stream.id, requestedAt: new Date().toISOString(), reason: 'fallback_configured' });
    const channelLease = await waitFor('a task holding the lease at channel priority', async () => ((await holder())?.priority === 'channel' ? holder() : undefined), { timeoutMs: 30_000 });
    const playerId = (channelLease?.holder ?? '').replace(/:channel$/, '');
    const otherId = playerId === 'task-a' ? 'task-b' : 'task-a';
    await waitFor('fallback segments in the bucket', () => tail() >= 2, { timeoutMs: 40_000 });
    assert.equal(queue.inFlight(), 1, 'the job is held by the playing task');

    // Act 2: a publisher on the other task takes over through the lease.
    const other = tasks.get(otherId) as CloudIngest;
    const beforeLive = tail();
    const encoder = publish({ url: `rtmp://127.0.0.1:${other.app.ingest.port}/live/${streamKey}`, width: 320, height: 180, seconds: 8 });
    const liveLease = await waitFor('the publisher\'s task holding the lease', async () => ((await holder())?.holder === `${otherId}:live` ? holder() : undefined), { timeoutMs: 40_000 });
    assert.ok((liveLease?.generation ?? 0) > (channelLease?.generation ?? 0), 'a new generation');
    assert.equal(tasks.get(playerId)?.app.channels?.feedPid(stream.id), undefined, 'the channel task stopped its feed');
    await waitFor('live segments after the fallback ones', () => tail() > beforeLive + 2, { timeoutMs: 40_000 });
    await encoder.exited;

    // Act 3: the session ends; the fallback resumes from the channel task on the same playlists.
    const afterLive = await waitFor('the channel task playing again', async () => ((await holder())?.holder === `${playerId}:channel` ? holder() : undefined), { timeoutMs: 40_000 });
    const resumedAt = tail();
    await waitFor('fallback segments after the session', () => tail() > resumedAt + 1, { timeoutMs: 40_000 });

    // Act 4: the channel task stops; its job is handed back and the other task plays on.
    await tasks.get(playerId)?.stop();
    tasks.delete(playerId);
    const takenOver = await waitFor('the other task holding the channel', async () => ((await holder())?.holder === `${otherId}:channel` ? holder() : undefined), { timeoutMs: 40_000 });
    const stoppedAt = tail();
    await waitFor('fallback segments from the other task', () => tail() > stoppedAt + 1, { timeoutMs: 40_000 });

    // Act 5: the task playing now loses its network (S3, DynamoDB, SQS); a third task stands by.
    await startTask('task-c');
    const cutTask = tasks.get(otherId) as CloudIngest;
    const cutNetwork = networks.get(otherId) as CuttableNetwork;
    const beforeCut = tail();
    cutNetwork.cut = true;
    const cutAt = Date.now();
    // It fences itself: its feed stops within ⅔ ttl of its last renewal, before the lease can expire.
    const fencedAt = await waitFor('the cut task fencing itself', () => cutTask.channelJobs?.host.fencedAt(stream.id), { timeoutMs: LEASE_SECONDS * 1000 + 10_000 });
    assert.equal(cutTask.app.channels?.feedPid(stream.id), undefined, 'the fenced task stopped its feed');
    const fencedLease = await leases.get(stream.id); // the cut task's last renewal, as the other tasks see it
    assert.equal(fencedLease?.holder, `${otherId}:channel`);
    const marginMs = (fencedLease?.expiresAt.getTime() ?? 0) - fencedAt.getTime();
    assert.ok(marginMs > 0, `fenced ${-marginMs} ms after its lease expired`);
    assert.ok(fencedAt.getTime() - cutAt <= LEASE_SECONDS * 1000, `fenced ${fencedAt.getTime() - cutAt} ms after the cut, more than a ttl`);
    const ownWrites = (after: number) => cutNetwork.writesAfter(after).filter((w) => w.key.startsWith(`live/${stream.id}/`));
    assert.deepEqual(ownWrites(fencedAt.getTime()), [], 'no write attempted by the cut task after it fenced itself');
    // The lease expires and the job reappears (no more extensions): the third task takes the channel over.
    const rescued = await waitFor('the third task holding the channel', async () => ((await holder())?.holder === 'task-c:channel' ? holder() : undefined), {
      timeoutMs: (VISIBILITY_SECONDS + LEASE_SECONDS) * 1000 + 20_000,
    });
    assert.ok((rescued?.generation ?? 0) > (fencedLease?.generation ?? 0), 'a new generation');
    assert.ok((rescued?.acquiredAt.getTime() ?? 0) >= (fencedLease?.expiresAt.getTime() ?? Infinity), 'taken over only once the cut task\'s lease expired');
    await waitFor('fallback segments from the third task', () => tail() > beforeCut + 2, { timeoutMs: 40_000 });
    // The network comes back: the fenced task neither writes nor claims the channel again.
    cutNetwork.cut = false;
    await staysTrue('the fenced task staying off the channel', async () => ownWrites(fencedAt.getTime()).length === 0 && (await holder())?.holder === 'task-c:channel', { forMs: 4_000 });
    assert.equal(cutTask.app.channels?.feedPid(stream.id), undefined, 'the fenced task plays nothing');
    watching = false;
    await watcher;
    if (process.env.TEST_LOG) console.log(`fence: ${fencedAt.getTime() - cutAt} ms after the cut, ${marginMs} ms before the lease expired; taken over ${(rescued?.acquiredAt.getTime() ?? 0) - cutAt} ms after the cut`);

    // Assess: one timeline across every writer.
    assert.ok((afterLive?.generation ?? 0) > (liveLease?.generation ?? 0) && (takenOver?.generation ?? 0) > (afterLive?.generation ?? 0), 'generations only increase');
    const names = new Map<number, string>();
    let lastSequence = -1;
    for (const s of samples) {
      assert.ok(s.mediaSequence >= lastSequence, `media sequence went back from ${lastSequence} to ${s.mediaSequence}`);
      lastSequence = s.mediaSequence;
      s.uris.forEach((uri, i) => {
        const known = names.get(s.mediaSequence + i);
        assert.ok(known === undefined || known === uri, `sequence ${s.mediaSequence + i} named ${known} and then ${uri}`);
        names.set(s.mediaSequence + i, uri);
      });
    }
    const last = samples.at(-1) as Sample;
    assert.ok(last.discontinuities >= 4, `a discontinuity at each switch (fallback → live → fallback → fallback → fallback), saw ${last.discontinuities}`);
    assert.equal(queue.inFlight(), 1, 'one job, held by the task that plays');
    // output.changed tells what viewers had before: the hand-overs between channel tasks change nothing.
    const changes = bridge.commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .filter((entry) => entry.DetailType === 'output.changed')
      .map((entry) => (JSON.parse(entry.Detail ?? '{}') as { data: { from: string; to: string; reason: string } }).data);
    assert.deepEqual(changes.map((c) => `${c.from}→${c.to}:${c.reason}`), ['off→fallback:fallback_configured', 'fallback→live:publisher_live', 'live→fallback:session_ended']);
  });
});
