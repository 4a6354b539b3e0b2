/**
 * The channel jobs an ingest task holds (cloud): for each, the task looks every tick at the stream, its
 * fallback and its output lease and does what core/channels/channel-jobs.ts says — take the lease at
 * channel priority and have the channel director play the fallback, wait as the channel's standby while a
 * publisher is on (anywhere), or drop the job (the stream cannot play, or another task plays it). While it
 * plays it renews the lease; when a live (or backup) claimant asks for the lease it stops the feed — the
 * feed's last segment closes at that boundary — and then releases, so the live packager resumes the
 * stream's playlists from the object store. Holder id `<task>:channel`.
 *
 * Must never: play without holding the lease, keep playing once the lease is lost, or release before the
 * feed stopped writing.
 */
import { channelHostAction } from '../../../../core/channels/channel-jobs';
import { handOverRequested, isHeld } from '../../../../core/leases/output-lease';
import type { ChannelJob } from '../../../../core/channels/channel-jobs';
import type { ChannelMediaSource } from '../../../../core/ports/channel-media';
import type { Clock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import type { LeaseRef, OutputLeaseStore } from '../../../../core/ports/output-lease';
import type { StreamStore } from '../../../../core/ports/stream-store';
import type { JobAdmission, JobSettlement } from '../jobs/held-job-consumer';

export interface ChannelJobHostOptions {
  taskId: string;
  leases: OutputLeaseStore;
  streams: Pick<StreamStore, 'get'>;
  media: ChannelMediaSource;
  /** The director re-applies a stream's output after this host started or stopped hosting it. */
  sync(streamId: string): Promise<void>;
  /** A job is over here (`done`: delete it; `closed`: hand it back). */
  settle(streamId: string, settlement: JobSettlement): void;
  clock: Clock;
  /** Lease lifetime without renewal; renewed at a third of it. */
  ttlMs: number;
  /** How often each held job is looked at (a hand-over waits at most this long to start). @default 1000 */
  tickMs?: number;
  /** Channels this task plays (or stands by for) at once. */
  maxChannels: number;
  logger: Logger;
}

interface HeldChannel {
  lease: LeaseRef | undefined;
  renewedAt: number;
  ticks: number;
  busy: Promise<void> | undefined;
}

/** Every this many ticks a playing channel's settings are re-applied (a PATCHed fallback list restarts the feed). */
const SYNC_EVERY_TICKS = 5;

export class ChannelJobHost {
  private readonly jobs = new Map<string, HeldChannel>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ChannelJobHostOptions) {}

  get holder(): string {
    return `${this.options.taskId}:channel`;
  }

  get capacity(): number {
    return this.closed ? 0 : this.options.maxChannels - this.jobs.size;
  }

  /** True while this task holds the stream's lease for its channel job. */
  hosts(streamId: string): boolean {
    return this.jobs.get(streamId)?.lease !== undefined;
  }

  start(): void {
    this.timer = setInterval(() => this.tickAll(), this.options.tickMs ?? 1_000);
    this.timer.unref();
  }

  /** A job received from the queue. */
  async submit(job: ChannelJob): Promise<JobAdmission> {
    if (this.closed) return 'closed';
    if (this.jobs.has(job.streamId)) return 'duplicate';
    const held: HeldChannel = { lease: undefined, renewedAt: 0, ticks: 0, busy: undefined };
    this.jobs.set(job.streamId, held);
    const look = this.check(job.streamId, held).catch((err: unknown) => {
      this.options.logger.warn('channel jobs: could not look at a job; keeping it', { streamId: job.streamId, error: err instanceof Error ? err.message : String(err) });
      return true;
    });
    held.busy = look.then(() => undefined).finally(() => (held.busy = undefined));
    if (await look) return 'held';
    this.jobs.delete(job.streamId);
    return 'drop';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all(
      [...this.jobs.entries()].map(async ([streamId, held]) => {
        await held.busy?.catch(() => undefined);
        await this.stopPlaying(streamId, held);
        this.jobs.delete(streamId);
        this.options.settle(streamId, 'closed');
      }),
    );
  }

  private tickAll(): void {
    for (const [streamId, held] of this.jobs) {
      if (held.busy) continue;
      held.busy = this.check(streamId, held)
        .then((kept) => {
          if (kept || this.jobs.get(streamId) !== held) return;
          this.jobs.delete(streamId);
          this.options.settle(streamId, 'done');
        })
        .catch((err: unknown) => this.options.logger.warn('channel jobs: check failed', { streamId, error: err instanceof Error ? err.message : String(err) }))
        .finally(() => (held.busy = undefined));
    }
  }

  /** One look at a held job; false when the job is over (drop it). */
  private async check(streamId: string, held: HeldChannel): Promise<boolean> {
    if (this.closed) return true;
    const { leases, clock } = this.options;
    const now = clock.now();
    const [stream, media, lease] = await Promise.all([this.options.streams.get(streamId), this.options.media.resolve(streamId), leases.get(streamId)]);
    const hasFallback = Boolean(media?.fallback && media.fallback.items.length > 0);
    held.ticks++;
    if (held.lease) {
      const ours = isHeld(lease, now) && lease.holder === held.lease.holder && lease.generation === held.lease.generation;
      const action = channelHostAction({ stream, hasFallback, lease, now, self: this.holder });
      if (!ours) {
        this.options.logger.warn('channel jobs: lost the output lease; stopping the playout', { streamId, holder: lease?.holder });
        held.lease = undefined;
        await this.options.sync(streamId);
        return action !== 'drop';
      }
      if (action === 'drop' || handOverRequested(lease, now)) {
        this.options.logger.info(action === 'drop' ? 'channel jobs: the stream no longer plays a fallback' : 'channel jobs: handing the output over', { streamId, to: lease.request?.claimant });
        await this.stopPlaying(streamId, held);
        return action !== 'drop';
      }
      if (now.getTime() - held.renewedAt >= this.options.ttlMs / 3) {
        const renewed = await leases.renew(held.lease, this.options.ttlMs, now);
        if (renewed.outcome === 'lost') {
          held.lease = undefined;
          await this.options.sync(streamId);
          return true;
        }
        held.renewedAt = now.getTime();
        if (renewed.handOverRequested) {
          await this.stopPlaying(streamId, held);
          return true;
        }
      }
      if (held.ticks % SYNC_EVERY_TICKS === 0) await this.options.sync(streamId);
      return true;
    }
    const action = channelHostAction({ stream, hasFallback, lease, now, self: this.holder });
    if (action === 'drop') return false;
    if (action === 'standby') return true;
    const result = await leases.acquire({ streamId, claimant: this.holder, priority: 'channel', ttlMs: this.options.ttlMs }, now);
    if (result.outcome !== 'acquired') return true;
    held.lease = { streamId, holder: this.holder, generation: result.lease.generation };
    held.renewedAt = now.getTime();
    this.options.logger.info('channel jobs: playing the channel', { streamId, generation: result.lease.generation });
    await this.options.sync(streamId);
    return true;
  }

  /** Stops the feed (through the director), then gives the lease up. */
  private async stopPlaying(streamId: string, held: HeldChannel): Promise<void> {
    const lease = held.lease;
    if (!lease) return;
    held.lease = undefined;
    await this.options.sync(streamId).catch((err: unknown) => this.options.logger.error('channel jobs: could not stop the playout', { streamId, error: err instanceof Error ? err : String(err) }));
    await this.options.leases.release(lease, this.options.clock.now()).catch((err: unknown) =>
      this.options.logger.warn('channel jobs: could not release the output lease (it expires instead)', { streamId, error: err instanceof Error ? err.message : String(err) }),
    );
  }
}
