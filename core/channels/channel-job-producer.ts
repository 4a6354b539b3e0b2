/**
 * The producer of channel jobs (cloud): on the events that can leave a channel without a player — its
 * fallback set by create or PATCH, the stream enabled, a session ended after its window — and on a
 * periodic sweep of every stream (which also covers a job lost from the queue), it queues a job for each
 * stream that should play its fallback and that no channel-priority holder of the output lease plays
 * (core/channels/channel-jobs.ts). Duplicates are harmless: the task receiving one drops it.
 * Must never: queue a job for a stream that cannot play, or read anything but streams, media and leases.
 */
import type { ChannelMediaSource } from '../ports/channel-media';
import type { ChannelJobQueue } from '../ports/channel-jobs';
import type { Clock } from '../ports/clock';
import type { OutputLeaseStore } from '../ports/output-lease';
import type { StreamStore } from '../ports/stream-store';
import { channelJobNeeded, type ChannelJobReason } from './channel-jobs';

export interface ChannelJobProducerDeps {
  streams: Pick<StreamStore, 'get' | 'list'>;
  media: ChannelMediaSource;
  leases: Pick<OutputLeaseStore, 'get'>;
  jobs: ChannelJobQueue;
  clock: Clock;
}

/** Event types after which a stream may need a channel job. */
export const CHANNEL_JOB_TRIGGERS = ['stream.created', 'stream.updated', 'stream.enabled', 'stream.ended'] as const;

/** Queues a job for the stream if it needs one; true when one was sent. */
export async function offerChannelJob(deps: ChannelJobProducerDeps, streamId: string, reason: ChannelJobReason): Promise<boolean> {
  const stream = await deps.streams.get(streamId);
  if (!stream) return false;
  const [media, lease] = await Promise.all([deps.media.resolve(streamId), deps.leases.get(streamId)]);
  const now = deps.clock.now();
  if (!channelJobNeeded({ stream, hasFallback: Boolean(media?.fallback && media.fallback.items.length > 0), lease, now })) return false;
  await deps.jobs.send({ streamId, requestedAt: now.toISOString(), reason });
  return true;
}

/** Every stream with a fallback (from the stream list) gets a job if nobody plays it; how many were sent. */
export async function sweepChannelJobs(deps: ChannelJobProducerDeps): Promise<number> {
  let sent = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.streams.list({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const stream of page.items) {
      if (!stream.fallback || stream.fallback.mediaIds.length === 0) continue;
      if (await offerChannelJob(deps, stream.id, 'sweep')) sent++;
    }
    cursor = page.next;
  } while (cursor);
  return sent;
}

/** The job reason an event stands for, or undefined when the event cannot leave a channel without a player. */
export function triggerReason(eventType: string): ChannelJobReason | undefined {
  if (eventType === 'stream.ended') return 'session_ended';
  return (CHANNEL_JOB_TRIGGERS as ReadonlyArray<string>).includes(eventType) ? 'fallback_configured' : undefined;
}
