/**
 * Who plays a 24/7 channel in the cloud, where no single process sees every stream: a stream that should
 * play its fallback and that nobody plays gets a channel job (producer side), and the ingest task that
 * receives one decides from the stream and its output lease whether to play it, wait as its standby, or
 * drop the job as a duplicate (consumer side). Pure rules over the stream, whether its fallback has ready
 * items, and the lease (core/leases/output-lease.ts).
 * Must never: let a job stand for a stream that cannot play (deleted, disabled, low-latency, no ready
 * fallback), or call a channel "played" unless a channel-priority holder holds its lease.
 */
import { z } from 'zod';
import { isHeld } from '../leases/output-lease';
import type { Output } from './feed-selector';
import type { OutputLease } from '../ports/output-lease';
import { hasOpenSession, type Stream } from '../streams/stream';

export const CHANNEL_JOB_REASONS = ['fallback_configured', 'session_ended', 'sweep'] as const;
export type ChannelJobReason = (typeof CHANNEL_JOB_REASONS)[number];

/** The body of a job on the channel-job queue (validated again by the consumer). */
export const channelJobBody = z.object({
  streamId: z.string().min(1).max(64),
  requestedAt: z.iso.datetime(),
  reason: z.enum(CHANNEL_JOB_REASONS),
});
export type ChannelJob = z.infer<typeof channelJobBody>;

export interface ChannelFacts {
  stream: Pick<Stream, 'status' | 'latencyMode'> | undefined;
  /** The stream's fallback resolves to at least one ready item. */
  hasFallback: boolean;
  lease: OutputLease | undefined;
  now: Date;
}

/** The stream is a channel that may play its fallback (whether or not somebody is live on it now). */
export function isPlayableChannel(facts: Pick<ChannelFacts, 'stream' | 'hasFallback'>): boolean {
  const { stream } = facts;
  // Low-latency streams are no channels: their feeds would make classic segments only (docs/channels.md).
  return stream !== undefined && stream.status !== 'disabled' && stream.latencyMode !== 'low' && facts.hasFallback;
}

/** True when somebody plays the channel's fallback or slate now: a channel-priority holder holds the lease. */
export function channelPlayed(lease: OutputLease | undefined, now: Date): boolean {
  return isHeld(lease, now) && lease.priority === 'channel';
}

/**
 * Producer: queue a job when the stream should play its fallback (no session open) and no channel task
 * holds its lease. A live holder of a stream with no open session is ending its session and will release.
 */
export function channelJobNeeded(facts: ChannelFacts): boolean {
  return isPlayableChannel(facts) && !hasOpenSession((facts.stream as Stream).status) && !channelPlayed(facts.lease, facts.now);
}

/**
 * Consumer: what a task holding (or just handed) a channel job does. `play`: take the lease (channel
 * priority) and play; `standby`: keep the job and look again (a publisher is on, its lease is still held
 * above channel priority, or a channel holder has not renewed since `heldSince` — maybe dead); `drop`:
 * delete the job (the stream cannot play, or another task that is alive plays it).
 */
export type ChannelHostAction = 'play' | 'standby' | 'drop';

export function channelHostAction(facts: ChannelFacts & { self: string; heldSince?: Date; ttlMs?: number }): ChannelHostAction {
  if (!isPlayableChannel(facts)) return 'drop';
  const { lease, now } = facts;
  if (channelPlayed(lease, now) && lease?.holder !== facts.self) {
    // A duplicate only if that holder renewed after this task got the job: a job that reappeared because
    // its holder died (the lease outlasting the job's visibility) waits for that lease to lapse instead.
    const renewedSince = facts.heldSince === undefined || facts.ttlMs === undefined || (lease?.expiresAt.getTime() ?? 0) > facts.heldSince.getTime() + facts.ttlMs;
    return renewedSince ? 'drop' : 'standby';
  }
  if (hasOpenSession((facts.stream as Stream).status)) return 'standby';
  if (isHeld(lease, now) && lease.holder !== facts.self) return 'standby';
  return 'play';
}

/** How long after the previous writer's lease ended its output still counts as what viewers have. */
export const PREVIOUS_OUTPUT_RECENT_MS = 60_000;

/**
 * What viewers had just before a channel task took the stream's output over, for the `from` of its
 * `output.changed`: the lease it took says who wrote last — a channel task (stopped or fenced) played the
 * fallback; a live or backup holder played the session (or its slate, as the stored output may say).
 * Without a recent previous writer the stored (projected) output stands, if any.
 */
export function outputBeforeTakeover(previous: OutputLease | undefined, stored: Output | undefined, now: Date): Output | undefined {
  const recent = previous !== undefined && now.getTime() - previous.expiresAt.getTime() <= PREVIOUS_OUTPUT_RECENT_MS;
  if (!previous || !recent) return stored;
  if (previous.priority === 'channel') return 'fallback';
  return stored === 'slate' ? 'slate' : 'live';
}
