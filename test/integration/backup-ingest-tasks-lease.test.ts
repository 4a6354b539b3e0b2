/**
 * Backup ingest across two ingest tasks, owned through the output lease (DynamoDB → dynalite, S3 →
 * s3rver, each task its own process): the primary's task holds the lease and writes the playlists, the
 * backup's task holds its feed in standby. A starved primary (its ffmpeg SIGSTOPped 5 s) hands the lease
 * and the playlists to the backup's task (`starved`), the primary back steadily for backupRevertSeconds
 * takes them back (`reverted`), a killed primary hands them over again (`disconnected`) — one session,
 * sequence numbers continuing, one discontinuity per switch, and never two writers: every version of the
 * media playlist read during the test extends the one before, no sequence number is ever stored twice,
 * and the lease's holder only changes with a higher generation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DynamoDbOutputLeaseStore } from '../../adapters/dynamodb-output-lease';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { S3ObjectStore } from '../../adapters/s3-object-store';
import { eventEmitter } from '../../core/events/emit-event';
import { parseMediaPlaylist, type ParsedMediaPlaylist } from '../../core/hls/playlist';
import { systemClock } from '../../core/ports/clock';
import { createStream } from '../../core/streams/stream-registry';
import { feedsView } from '../../core/streams/feed-view';
import { useCloudTaskEnv, type CloudTask, type TaskEvent } from '../support/cloud-tasks';
import { publish } from '../support/ffmpeg';
import { TEST_TABLE } from '../support/local-dynamo';
import { waitFor } from '../support/wait';

const BUCKET = 'streamplane-media';
const REVERT_SECONDS = 6;

/** Reads the media playlist and the lease over and over, and records every way two writers would show. */
class SplitBrainWatch {
  readonly violations: string[] = [];
  readonly holders: Array<{ holder: string; generation: number }> = [];
  /** Sequence number → URI, as first seen. */
  private readonly uris = new Map<number, string>();
  /** When each sequence number first appeared (ms), for the gap at a switch. */
  readonly appearedAt = new Map<number, number>();
  readonly discontinuities = new Set<number>();
  private last: ParsedMediaPlaylist | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  reads = 0;

  constructor(
    private readonly read: () => Promise<ParsedMediaPlaylist | undefined>,
    private readonly lease: () => Promise<{ holder: string; generation: number; released: boolean } | undefined>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight ??= this.check().finally(() => (this.inFlight = undefined));
    }, 150);
  }

  /** Stops polling after one last read, so what the test itself saw last is in the record too. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    await this.check();
  }

  private async check(): Promise<void> {
    const [playlist, lease] = await Promise.all([this.read().catch(() => undefined), this.lease().catch(() => undefined)]);
    if (lease) {
      const previous = this.holders[this.holders.length - 1];
      if (!previous || previous.holder !== lease.holder || previous.generation !== lease.generation) {
        if (previous && lease.generation <= previous.generation) this.violations.push(`lease generation went from ${previous.generation} to ${lease.generation}`);
        this.holders.push({ holder: lease.holder, generation: lease.generation });
      }
    }
    if (!playlist) return;
    this.reads++;
    const previous = this.last;
    if (previous) {
      const prevTail = previous.mediaSequence + previous.segments.length - 1;
      const tail = playlist.mediaSequence + playlist.segments.length - 1;
      if (playlist.mediaSequence < previous.mediaSequence) this.violations.push(`media sequence went back from ${previous.mediaSequence} to ${playlist.mediaSequence}`);
      if (tail < prevTail) this.violations.push(`the playlist lost segments: its tail went from ${prevTail} to ${tail}`);
      if (playlist.discontinuitySequence < previous.discontinuitySequence) this.violations.push('the discontinuity sequence went back');
    }
    playlist.segments.forEach((segment, index) => {
      const sequence = playlist.mediaSequence + index;
      const known = this.uris.get(sequence);
      if (known === undefined) {
        this.uris.set(sequence, segment.uri);
        this.appearedAt.set(sequence, Date.now());
      } else if (known !== segment.uri) this.violations.push(`sequence ${sequence} was ${known}, then ${segment.uri}`);
      if (segment.discontinuity) this.discontinuities.add(sequence);
    });
    this.last = playlist;
  }

  /** The longest wait for a new segment (ms) between `fromMs` and `toMs`. */
  longestWait(fromMs: number, toMs: number): number {
    const times = [...this.appearedAt.values()].filter((t) => t >= fromMs && t <= toMs).sort((a, b) => a - b);
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, (times[i] as number) - (times[i - 1] as number));
    return longest;
  }
}

describe('backup ingest across two tasks through the output lease', () => {
  const env = useCloudTaskEnv(BUCKET);

  it('moves the lease and the playlists on starvation, revert and disconnect, never with two writers', async () => {
    const { dynamo, s3: localS3 } = env;
    // Prepare: a stream, two tasks, the primary on one and the backup on the other.
    const store = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    const emit = eventEmitter({ store, publisher: { publish: async () => undefined }, clock: systemClock });
    const { stream, streamKey } = await createStream({ store, emit, clock: systemClock }, { name: 'two tasks, one lease', reconnectWindowSeconds: 30, recording: false, backupRevertSeconds: REVERT_SECONDS });
    const tasks = await env.startTasks(['task-a', 'task-b'], { TASK_LEASE_SECONDS: '6' });
    const [taskA, taskB] = tasks as [CloudTask, CloudTask];
    const leases = new DynamoDbOutputLeaseStore({ tableName: TEST_TABLE, client: dynamo.client });
    const holder = async () => {
      const lease = await leases.get(stream.id);
      return lease && !lease.released && lease.expiresAt.getTime() > Date.now() ? lease.holder : undefined;
    };
    const feeds = async () => feedsView((await store.get(stream.id))!).map((f) => `${f.role}:${f.state}`).join(' ');
    const bucket = new S3ObjectStore({ bucket: BUCKET, client: localS3.client });
    const rendition = `live/${stream.id}/180p/`;
    const playlist = async () => {
      const body = await bucket.get(`${rendition}index.m3u8`);
      const text = body && Buffer.from(body).toString('utf8');
      // s3rver may serve a file it is still writing (S3 never does): a playlist not ending in a newline is such a read.
      return text?.endsWith('\n') ? parseMediaPlaylist(text) : undefined;
    };
    const watch = new SplitBrainWatch(playlist, () => leases.get(stream.id));
    const takeovers = (): TaskEvent[] => [...taskA.detailed, ...taskB.detailed].filter((e) => e.type === 'stream.takeover').sort((a, b) => a.seenAt - b.seenAt);
    const tail = async () => {
      const p = await playlist();
      return p ? p.mediaSequence + p.segments.length - 1 : -1;
    };

    const primary = publish({ url: `rtmp://127.0.0.1:${taskA.rtmpPort}/live/${streamKey}`, width: 320, height: 180, gopSeconds: 1, seconds: 300 });
    await waitFor('the primary live', async () => (await store.get(stream.id))?.status === 'live', { timeoutMs: 40_000 });
    const backup = publish({ url: `rtmp://127.0.0.1:${taskB.rtmpPort}/live-backup/${streamKey}`, width: 320, height: 180, gopSeconds: 1, seconds: 300, pattern: 'smptebars', frequency: 880 });
    await waitFor('the backup in standby', async () => (await feeds()) === 'primary:active backup:standby', { timeoutMs: 20_000 });
    await waitFor('the primary task holds the lease', async () => (await holder()) === 'task-a:live', { timeoutMs: 20_000 });
    await waitFor('a few primary segments', async () => (await tail()) >= 2, { timeoutMs: 20_000 });
    watch.start();
    // The primary's task reads the backup's report only once it saw the backup in the record (≤ 3 s).
    await waitFor('the primary task knows the remote standby', async () => (await tail()) >= 4, { timeoutMs: 20_000 });
    assert.equal(await holder(), 'task-a:live', 'a healthy primary keeps the lease');

    // Act 1: starve the primary for 5 s.
    const starvedFrom = Date.now();
    primary.process.kill('SIGSTOP');
    const starved = await waitFor('a starved takeover', () => takeovers().find((e) => e.data.reason === 'starved'), { timeoutMs: 20_000, intervalMs: 100 });
    await waitFor('the backup task holds the lease', async () => (await holder()) === 'task-b:live', { timeoutMs: 15_000, intervalMs: 100 });
    await waitFor('5 s of SIGSTOP', () => Date.now() - starvedFrom >= 5_000, { timeoutMs: 10_000 });
    primary.process.kill('SIGCONT');
    const resumedAt = Date.now();
    const tailAtStarve = await tail();
    await waitFor('backup segments after the starvation', async () => (await tail()) >= tailAtStarve + 2, { timeoutMs: 20_000 });
    assert.deepEqual(starved.data, { from: 'primary', to: 'backup', reason: 'starved' });
    assert.ok(taskB.detailed.includes(starved), 'the task that took over announces it');

    // Act 2: the primary is back and steady: after the revert delay the lease goes back.
    const reverted = await waitFor('a revert', () => takeovers().find((e) => e.data.reason === 'reverted'), { timeoutMs: 40_000, intervalMs: 100 });
    assert.ok(reverted.seenAt - resumedAt >= REVERT_SECONDS * 1000, `reverted ${reverted.seenAt - resumedAt} ms after the primary came back`);
    await waitFor('the primary task holds the lease again', async () => (await holder()) === 'task-a:live', { timeoutMs: 15_000, intervalMs: 100 });
    await waitFor('primary and standby again', async () => (await feeds()) === 'primary:active backup:standby', { timeoutMs: 10_000 });
    const tailAtRevert = await tail();
    await waitFor('primary segments after the revert', async () => (await tail()) >= tailAtRevert + 2, { timeoutMs: 20_000 });
    assert.deepEqual(reverted.data, { from: 'backup', to: 'primary', reason: 'reverted' });

    // Act 3: the primary's encoder dies.
    const killedAt = Date.now();
    await primary.kill('SIGKILL');
    const disconnected = await waitFor('a disconnect takeover', () => takeovers().find((e) => e.data.reason === 'disconnected'), { timeoutMs: 20_000, intervalMs: 100 });
    await waitFor('the backup task holds the lease', async () => (await holder()) === 'task-b:live', { timeoutMs: 15_000, intervalMs: 100 });
    await waitFor('backup active, primary absent', async () => (await feeds()) === 'primary:absent backup:active', { timeoutMs: 10_000 });
    const tailAtKill = await tail();
    await waitFor('backup segments after the disconnect', async () => (await tail()) >= tailAtKill + 2, { timeoutMs: 20_000 });
    await watch.stop();

    // Assess: one session, never interrupted; three switches, each one discontinuity; one writer at a time.
    const record = await store.get(stream.id);
    assert.equal(record?.status, 'live');
    assert.equal(record?.sessionId, starved.sessionId);
    assert.equal(disconnected.sessionId, starved.sessionId);
    assert.equal(reverted.sessionId, starved.sessionId);
    const types = [...taskA.events, ...taskB.events];
    assert.ok(!types.includes('stream.interrupted'), types.join(','));
    assert.equal(takeovers().length, 3, takeovers().map((e) => JSON.stringify(e.data)).join(' '));
    assert.deepEqual(watch.violations, []);
    assert.ok(watch.reads > 50, `read the playlist ${watch.reads} times`);
    const t0 = starvedFrom;
    const at = (ms: number | undefined) => (ms === undefined ? '?' : `${((ms - t0) / 1000).toFixed(1)}s`);
    assert.equal(
      watch.discontinuities.size,
      3,
      `discontinuities at ${[...watch.discontinuities].map((seq) => `${seq}@${at(watch.appearedAt.get(seq))}`).join(',')}; takeovers ${takeovers().map((e) => `${String(e.data.reason)}@${at(e.seenAt)}`).join(',')}; killed@${at(killedAt)}; playlist ${JSON.stringify(await playlist())}`,
    );
    assert.deepEqual(
      watch.holders.map((h) => h.holder).filter((h, i, all) => i === 0 || all[i - 1] !== h),
      ['task-a:live', 'task-b:live', 'task-a:live', 'task-b:live'],
    );
    // Two writers would store one sequence number twice (another duration or discontinuity in the name).
    const stored = (await bucket.list(rendition)).map((o) => o.key.slice(rendition.length)).filter((name) => name.endsWith('.ts'));
    const sequences = stored.map((name) => Number(name.split('-')[0]));
    assert.equal(new Set(sequences).size, sequences.length, `a sequence stored twice: ${stored.sort().join(' ')}`);
    const around = (ms: number) => watch.longestWait(ms - 8_000, ms + 8_000);
    const gaps = { starved: around(starved.seenAt), reverted: around(reverted.seenAt), disconnected: around(disconnected.seenAt), killToTakeoverMs: disconnected.seenAt - killedAt, stopToTakeoverMs: starved.seenAt - starvedFrom };
    // Figures for docs/backup-ingest.md (the longest wait for a new segment around each switch; 2 s segments).
    process.stdout.write(`# switch gaps (ms): ${JSON.stringify(gaps)}\n`);
    await backup.kill('SIGKILL');
  });
});
