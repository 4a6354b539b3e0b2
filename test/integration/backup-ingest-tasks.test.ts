/**
 * Backup ingest across two ingest tasks (the cloud: the NLB put the primary on one task, the backup on the
 * other), with DynamoDB → dynalite, S3 → s3rver and the real publish-auth handler behind a mocked Lambda
 * client. The task without the active feed holds its encoder in standby and transcodes nothing; when the
 * primary's encoder dies, its task flushes, records the feed gone, and only then the backup's task resumes
 * the same playlists in the bucket: one session, sequences continuing, one discontinuity, never two
 * writers (the primary's task has no session left when the backup's starts writing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { eventEmitter } from '../../core/events/emit-event';
import { systemClock } from '../../core/ports/clock';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { createStream } from '../../core/streams/stream-registry';
import { feedsView } from '../../core/streams/feed-view';
import { leaseHolder } from '../../core/leases/output-lease';
import { taskStateReaders, useCloudTaskEnv, watchValues, type CloudTask } from '../support/cloud-tasks';
import { publish } from '../support/ffmpeg';
import { TEST_TABLE } from '../support/local-dynamo';
import { waitFor } from '../support/wait';

const BUCKET = 'streamplane-media';

type Task = CloudTask;

describe('backup ingest across two ingest tasks', () => {
  const env = useCloudTaskEnv(BUCKET);

  it('keeps the backup in standby on its task and hands it the playlists when the primary dies', async () => {
    const { dynamo, s3: localS3 } = env;
    const store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const emit = eventEmitter({ store, publisher: { publish: async () => undefined }, clock: systemClock });
    const { stream, streamKey } = await createStream({ store, emit, clock: systemClock }, { name: 'two tasks', reconnectWindowSeconds: 30, recording: false });
    const tasks = await env.startTasks(['task-primary', 'task-backup']);
    const [taskA, taskB] = tasks as [Task, Task];
    const readers = taskStateReaders(dynamo, stream.id);
    const carries = (task: Task) => readers.carries(task.id);
    const feeds = async () => feedsView((await store.get(stream.id))!).map((f) => `${f.role}:${f.state}`).join(' ');
    const bucket = new S3ObjectStore({ bucket: BUCKET, client: localS3.client });
    const playlistKey = `live/${stream.id}/180p/index.m3u8`;
    const playlist = async () => {
      const body = await bucket.get(playlistKey);
      return body ? parseMediaPlaylist(Buffer.from(body).toString('utf8')) : undefined;
    };

    const primary = publish({ url: `rtmp://127.0.0.1:${taskA.rtmpPort}/live/${streamKey}`, width: 320, height: 180, gopSeconds: 1, seconds: 120 });
    await waitFor('the primary live', async () => (await store.get(stream.id))?.status === 'live', { timeoutMs: 40_000 });
    const backup = publish({ url: `rtmp://127.0.0.1:${taskB.rtmpPort}/live-backup/${streamKey}`, width: 320, height: 180, gopSeconds: 1, seconds: 120, pattern: 'smptebars', frequency: 880 });
    await waitFor('the backup in standby', async () => (await feeds()) === 'primary:active backup:standby', { timeoutMs: 20_000 });
    await waitFor('the primary task carries the stream', () => carries(taskA), { timeoutMs: 10_000 });
    assert.equal(await carries(taskB), false, 'the standby task transcodes nothing');
    await waitFor('a few primary segments', async () => ((await playlist())?.segments.length ?? 0) >= 2, { timeoutMs: 20_000 });
    const before = await playlist();
    const lastBefore = (before?.mediaSequence ?? 0) + (before?.segments.length ?? 0) - 1;

    await waitFor('the primary task holds the output lease', async () => (await readers.holder()) === leaseHolder(taskA.id, 'live'), { timeoutMs: 10_000 });
    const holders = watchValues(readers.holder);
    await primary.kill('SIGKILL');
    await waitFor('the backup task holds the output lease', async () => (await readers.holder()) === leaseHolder(taskB.id, 'live'), { timeoutMs: 15_000, intervalMs: 100 });
    await waitFor('the backup task on air', () => carries(taskB), { timeoutMs: 15_000, intervalMs: 100 });
    // The lease is the right to write the playlists: task A's, then (released) nobody's, then task B's —
    // never back to A, so the primary task stopped writing before the backup task started.
    const seen = (await holders.stop()).filter((h, i, all) => h !== undefined || (i > 0 && i < all.length - 1));
    const a = leaseHolder(taskA.id, 'live');
    const b = leaseHolder(taskB.id, 'live');
    assert.ok(seen[0] === a && seen.at(-1) === b && seen.slice(1, -1).every((h) => h === undefined), `lease holders across the hand-over: ${JSON.stringify(seen)}`);
    await waitFor('backup active', async () => (await feeds()) === 'primary:absent backup:active', { timeoutMs: 10_000 });
    const resumed = await waitFor('backup segments in the same playlist', async () => {
      const p = await playlist();
      const tail = p ? p.mediaSequence + p.segments.length - 1 : -1;
      return p && tail >= lastBefore + 2 && p.segments.some((s) => s.discontinuity) ? p : undefined;
    }, { timeoutMs: 30_000 });
    assert.ok(resumed.mediaSequence >= (before?.mediaSequence ?? 0), 'the media sequence never went back');
    const after = await store.get(stream.id);
    assert.equal(after?.status, 'live', 'one session throughout, never interrupted');
    const types = [...taskA.events, ...taskB.events];
    assert.ok(types.includes('stream.takeover'), types.join(','));
    assert.ok(!types.includes('stream.interrupted'), types.join(','));
    await backup.kill('SIGKILL');
  });
});
