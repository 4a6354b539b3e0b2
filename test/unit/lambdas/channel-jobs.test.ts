/**
 * The producer of 24/7 channel jobs (core/channels/channel-job-producer.ts behind the channel-jobs Lambda):
 * a stream that should play its fallback and that no channel task plays gets one job — after create,
 * after its session ended (even while the live task still holds the lease) and from the sweep — and no
 * job while a publisher is on, a channel task plays it, it is disabled or it has no fallback. Unreadable
 * records are reported as failures (they reach the dead-letter queue).
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Context, SQSEvent } from 'aws-lambda';
import { MemoryOutputLeaseStore } from '../../../adapters/memory-output-lease';
import type { ChannelJob } from '../../../core/channels/channel-jobs';
import type { Stream } from '../../../core/streams/stream';
import { createChannelJobsHandler } from '../../../lambdas/channel-jobs/handler';
import { FixtureChannelMedia } from '../../support/channel-media';
import { MemoryStreamStore } from '../../support/memory-stream-store';

const at = new Date(Date.UTC(2026, 0, 1, 12));
const clock = { now: () => at };
const item = { mediaId: 'med_1', objectKey: 'media/med_1/source', kind: 'video' as const, durationSeconds: 4 };

function stream(id: string, fields: Partial<Stream> = {}): Stream {
  return { id, name: id, status: 'idle', keyHash: `h-${id}`, createdAt: at.toISOString(), updatedAt: at.toISOString(), version: 1, fallback: { mediaIds: ['med_1'], order: 'sequential' }, ...fields } as Stream;
}

const DATA: Record<string, object> = {
  'stream.created': { name: 'x' },
  'stream.updated': { changed: ['fallback'] },
  'stream.ended': { reason: 'publisher_gone', durationSeconds: 20 },
  'stream.live': { playbackUrl: 'https://cdn.example/live/x/master.m3u8' },
};

function record(type: string, streamId: string): SQSEvent['Records'][number] {
  const detail = { id: 'evt_aaaaaaaaaaaaaaaaaaaa', type, version: 1, time: at.toISOString(), streamId, sequence: 1, data: DATA[type] ?? {} };
  return { messageId: `m-${type}-${streamId}`, body: JSON.stringify({ source: 'streamplane', 'detail-type': type, detail }) } as SQSEvent['Records'][number];
}

describe('channel-jobs producer', () => {
  let streams: MemoryStreamStore;
  let media: FixtureChannelMedia;
  let leases: MemoryOutputLeaseStore;
  let sent: ChannelJob[];
  let handler: ReturnType<typeof createChannelJobsHandler>;

  beforeEach(() => {
    streams = new MemoryStreamStore();
    media = new FixtureChannelMedia();
    leases = new MemoryOutputLeaseStore();
    sent = [];
    handler = createChannelJobsHandler({ streams, media, leases, jobs: { send: async (job) => void sent.push(job) }, clock });
  });

  const channel = async (s: Stream, fallback = true) => {
    await streams.create(s);
    media.set(s.id, { fallback: fallback ? { items: [item], order: 'sequential' } : null, slate: null, reconnectSlate: false });
  };

  it('queues a job for a channel nobody plays, and none while a channel task holds its lease', async () => {
    await channel(stream('st_free'));
    await channel(stream('st_played'));
    await leases.acquire({ streamId: 'st_played', claimant: 'task-1:channel', priority: 'channel', ttlMs: 15_000 }, at);
    const result = await handler({ Records: [record('stream.created', 'st_free'), record('stream.updated', 'st_played')] } as SQSEvent, {} as Context);
    assert.deepEqual(result, { batchItemFailures: [] });
    assert.deepEqual(sent, [{ streamId: 'st_free', requestedAt: at.toISOString(), reason: 'fallback_configured' }]);
  });

  it('queues one after a session ended although the live task has not released yet, and none while a publisher is on', async () => {
    await channel(stream('st_ended', { status: 'idle' }));
    await channel(stream('st_live', { status: 'live' }));
    await leases.acquire({ streamId: 'st_ended', claimant: 'task-2:live', priority: 'live', ttlMs: 15_000 }, at);
    await handler({ Records: [record('stream.ended', 'st_ended'), record('stream.updated', 'st_live')] } as SQSEvent, {} as Context);
    assert.deepEqual(sent.map((j) => [j.streamId, j.reason]), [['st_ended', 'session_ended']]);
  });

  it('never queues for a disabled, low-latency or fallback-less stream, or for other events', async () => {
    await channel(stream('st_disabled', { status: 'disabled' }));
    await channel(stream('st_ll', { latencyMode: 'low' }));
    await channel(stream('st_none'), false);
    await channel(stream('st_other'));
    await handler({ Records: ['st_disabled', 'st_ll', 'st_none'].map((id) => record('stream.enabled', id)).concat(record('stream.live', 'st_other')) } as SQSEvent, {} as Context);
    assert.deepEqual(sent, []);
  });

  it('sweeps every stream with a fallback, and reports unreadable records as failures', async () => {
    await channel(stream('st_a'));
    await channel(stream('st_b'));
    await channel(stream('st_c', { fallback: null } as Partial<Stream>), false);
    await leases.acquire({ streamId: 'st_b', claimant: 'task-1:channel', priority: 'channel', ttlMs: 15_000 }, at);
    assert.deepEqual(await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, {} as Context), { swept: 1 });
    assert.deepEqual(sent.map((j) => [j.streamId, j.reason]), [['st_a', 'sweep']]);
    const bad = await handler({ Records: [{ messageId: 'm-bad', body: '{"nope":1}' }] } as unknown as SQSEvent, {} as Context);
    assert.deepEqual(bad, { batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
  });
});
