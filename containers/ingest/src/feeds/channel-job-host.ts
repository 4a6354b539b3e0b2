/**
 * The channel jobs an ingest task holds (cloud): for each, the task looks every tick at the stream, its
 * fallback and its output lease and does what core/channels/channel-jobs.ts says — take the lease at
 * channel priority and have the channel director play the fallback, wait as the channel's standby while a
 * publisher is on (anywhere), or drop the job (the stream cannot play, or another task plays it). When a
 * live (or backup) claimant asks for the lease it stops the feed — the feed's last segment closes at that
 * boundary — and then releases, so the live packager resumes the stream's playlists from the object store.
 * Holder id `<task>:channel`.
 *
 * The lease is renewed on its own guard timer, apart from the looks (which read the store and may be slow
 * or fail). Self-fencing: once the last successful renewal is ⅔ of the ttl old (two renewals missed: the
 * store is unreachable or too slow), the task stops the feed at once through the director — no store read,
 * no further write — and forgets the job without touching the queue, so the lease expires (⅓ ttl later)
 * and the job becomes visible to another task, which takes the channel over from the object store.
 *
 * Must never: play without holding the lease, keep writing past ⅔ of the ttl after its last renewal,
 * release before the feed stopped writing, or let close() wait on an unreachable store without bound.
 */
import { channelHostAction } from '../../../../core/channels/channel-jobs';
import { handOverRequested, leaseHolder } from '../../../../core/leases/output-lease';
import type { ChannelJob } from '../../../../core/channels/channel-jobs';
import type { ChannelMediaSource } from '../../../../core/ports/channel-media';
import type { Clock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import type { LeaseRef, OutputLease, OutputLeaseStore } from '../../../../core/ports/output-lease';
import type { StreamStore } from '../../../../core/ports/stream-store';
import type { JobAdmission, JobSettlement } from '../jobs/held-job-consumer';
import { withinDeadline } from '../jobs/within-deadline';

export interface ChannelJobHostOptions {
  taskId: string;
  leases: OutputLeaseStore;
  streams: Pick<StreamStore, 'get'>;
  media: ChannelMediaSource;
  /** The director re-applies a stream's output after this host started or stopped hosting it. */
  sync(streamId: string): Promise<void>;
  /** The director stops the stream's feed at once, reading no store (self-fencing). */
  fence(streamId: string): Promise<void>;
  /** A job is over here (`done`: delete it; `closed`: hand it back; `lost`: forget it, it reappears by itself). */
  settle(streamId: string, settlement: JobSettlement): void;
  clock: Clock;
  /** Lease lifetime without renewal; renewed every third of it, fenced at two thirds. */
  ttlMs: number;
  /** How often each held job is looked at (a hand-over waits at most this long to start). @default 1000 */
  tickMs?: number;
  /** Channels this task plays (or stands by for) at once. */
  maxChannels: number;
  logger: Logger;
}

interface HeldChannel {
  /** The lease this task holds for the stream (renewed while set), also while its feed is stopping. */
  ref: LeaseRef | undefined;
  /** The director may play the stream (the lease is held and no hand-over or stop is under way). */
  playing: boolean;
  /** The `now` of the last successful acquire or renewal: the store's expiry is this plus the ttl. */
  renewedAt: number;
  /** When the renewal in flight was sent (undefined: none in flight). */
  renewSentAt: number | undefined;
  /** A renewal answered that a higher-priority claimant waits. */
  handOver: boolean;
  /** The lease as it was before this task took it (what the previous writer was). */
  previous: OutputLease | undefined;
  /** When this task got the job (a channel holder that has not renewed since may be dead). */
  heldSince: Date;
  ticks: number;
  busy: Promise<void> | undefined;
}

/** Every this many ticks a playing channel's settings are re-applied (a PATCHed fallback list restarts the feed). */
const SYNC_EVERY_TICKS = 5;

/** The fencing bound: a holder whose last successful renewal is this share of the ttl old stops writing. */
export const FENCE_AFTER_TTL_SHARE = 2 / 3;

export class ChannelJobHost {
  private readonly jobs = new Map<string, HeldChannel>();
  private timer: NodeJS.Timeout | undefined;
  private guardTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly fences = new Map<string, Date>();

  constructor(private readonly options: ChannelJobHostOptions) {}

  get holder(): string {
    return leaseHolder(this.options.taskId, 'channel');
  }

  get capacity(): number {
    return this.closed ? 0 : this.options.maxChannels - this.jobs.size;
  }

  /** True while this task holds the stream's lease for its channel job and may play it. */
  hosts(streamId: string): boolean {
    return this.jobs.get(streamId)?.playing === true;
  }

  /** The stream's lease before this task took it, while it hosts the stream (what viewers had before). */
  previousWriter(streamId: string): OutputLease | undefined {
    const held = this.jobs.get(streamId);
    return held?.playing ? held.previous : undefined;
  }

  /** When this task last fenced itself off the stream's output, if it did. */
  fencedAt(streamId: string): Date | undefined {
    return this.fences.get(streamId);
  }

  private get fenceAfterMs(): number {
    return Math.floor(this.options.ttlMs * FENCE_AFTER_TTL_SHARE);
  }

  start(): void {
    const tickMs = this.options.tickMs ?? 1_000;
    this.timer = setInterval(() => this.tickAll(), tickMs);
    this.timer.unref();
    // The guard (renew, fence) runs often enough that the fence lands well inside the last third of the ttl.
    this.guardTimer = setInterval(() => this.guardAll(), Math.max(20, Math.min(tickMs, Math.floor(this.options.ttlMs / 12))));
    this.guardTimer.unref();
  }

  /** A job received from the queue. */
  async submit(job: ChannelJob): Promise<JobAdmission> {
    if (this.closed) return 'closed';
    if (this.jobs.has(job.streamId)) return 'duplicate';
    const held: HeldChannel = { ref: undefined, playing: false, renewedAt: 0, renewSentAt: undefined, handOver: false, previous: undefined, heldSince: this.options.clock.now(), ticks: 0, busy: undefined };
    this.jobs.set(job.streamId, held);
    const look = this.check(job.streamId, held).catch((err: unknown) => {
      this.options.logger.warn('channel jobs: could not look at a job; keeping it', { streamId: job.streamId, error: err instanceof Error ? err.message : String(err) });
      return true;
    });
    held.busy = look.then(() => undefined).finally(() => (held.busy = undefined));
    // Kept, or fenced during the look (the job was already settled as lost): either way not deleted here.
    if (await look) return 'held';
    this.jobs.delete(job.streamId);
    return 'drop';
  }

  /**
   * Hands every job back after stopping its playout and releasing its lease. Bounded: a look or a stop
   * that does not finish within one ttl (an unreachable store) is cut short by fencing — the feed stops
   * at once and the lease is left to expire.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const ttlMs = this.options.ttlMs;
    await Promise.all(
      [...this.jobs.entries()].map(async ([streamId, held]) => {
        await withinDeadline(held.busy?.catch(() => undefined), ttlMs);
        if (!(await withinDeadline(this.stopPlaying(streamId, held), ttlMs))) {
          this.options.logger.warn('channel jobs: the playout did not stop in time; fencing it', { streamId });
          await this.fence(streamId, held, 'closing');
        }
        if (this.jobs.get(streamId) === held) {
          this.jobs.delete(streamId);
          this.options.settle(streamId, 'closed');
        }
      }),
    );
    if (this.guardTimer) clearInterval(this.guardTimer);
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

  /** Renewal and the fence, for every held lease; reads nothing but the clock before it decides to fence. */
  private guardAll(): void {
    const now = this.options.clock.now().getTime();
    for (const [streamId, held] of this.jobs) {
      if (!held.ref) continue;
      if (now - held.renewedAt >= this.fenceAfterMs) {
        void this.fence(streamId, held, 'renewal_overdue');
        continue;
      }
      const renewDue = now - held.renewedAt >= this.options.ttlMs / 3;
      // A renewal that has not answered within a third of the ttl does not hold the next one back.
      const stuck = held.renewSentAt !== undefined && now - held.renewSentAt >= this.options.ttlMs / 3;
      if (renewDue && (held.renewSentAt === undefined || stuck)) void this.renew(streamId, held, held.ref);
    }
  }

  private async renew(streamId: string, held: HeldChannel, ref: LeaseRef): Promise<void> {
    const sentAt = this.options.clock.now();
    held.renewSentAt = sentAt.getTime();
    try {
      const result = await this.options.leases.renew(ref, this.options.ttlMs, sentAt);
      const tookMs = this.options.clock.now().getTime() - sentAt.getTime();
      if (tookMs >= this.options.ttlMs / 3) this.options.logger.warn('channel jobs: a lease renewal was slow', { streamId, tookMs, outcome: result.outcome });
      if (held.ref !== ref) {
        // Fenced or stopped meanwhile: a late renewal must not keep the lease from the next holder.
        if (result.outcome === 'renewed') await this.release(streamId, ref);
        return;
      }
      if (result.outcome === 'lost') {
        await this.fence(streamId, held, 'lease_lost');
        return;
      }
      held.renewedAt = Math.max(held.renewedAt, sentAt.getTime());
      if (result.handOverRequested) held.handOver = true;
    } catch (err) {
      this.options.logger.warn('channel jobs: could not renew the output lease', { streamId, error: err instanceof Error ? err.message : String(err) });
    } finally {
      if (held.renewSentAt === sentAt.getTime()) held.renewSentAt = undefined;
    }
  }

  /**
   * Self-fencing: stops the feed now (the director reads no store), forgets the job (the queue makes it
   * visible to another task by itself) and tries to release — the lease expires anyway if that fails.
   */
  private async fence(streamId: string, held: HeldChannel, why: 'renewal_overdue' | 'lease_lost' | 'closing'): Promise<void> {
    const ref = held.ref;
    if (!ref) return;
    held.ref = undefined;
    held.playing = false;
    const at = this.options.clock.now();
    this.fences.set(streamId, at);
    this.options.logger.warn('channel jobs: fencing; this task stops writing the channel', { streamId, why, generation: ref.generation, sinceRenewalMs: at.getTime() - held.renewedAt });
    await this.options.fence(streamId).catch((err: unknown) => this.options.logger.error('channel jobs: could not stop the fenced feed', { streamId, error: err instanceof Error ? err : String(err) }));
    if (why !== 'closing' && this.jobs.get(streamId) === held) {
      this.jobs.delete(streamId);
      this.options.settle(streamId, 'lost');
    }
    if (why !== 'lease_lost') await withinDeadline(this.release(streamId, ref), this.options.ttlMs / 3);
  }

  /** One look at a held job; false when the job is over (drop it). */
  private async check(streamId: string, held: HeldChannel): Promise<boolean> {
    if (this.closed) return true;
    const { leases, clock } = this.options;
    const now = clock.now();
    const [stream, media, lease] = await Promise.all([this.options.streams.get(streamId), this.options.media.resolve(streamId), leases.get(streamId)]);
    if (this.jobs.get(streamId) !== held) return true; // fenced meanwhile
    const hasFallback = Boolean(media?.fallback && media.fallback.items.length > 0);
    held.ticks++;
    if (held.ref) {
      if (!held.playing) return true; // stopping: stopPlaying releases once the feed stopped
      const ref = held.ref;
      // (Expiry by time is the guard's business: it fences before the store's expiry.)
      const ours = lease !== undefined && !lease.released && lease.holder === ref.holder && lease.generation === ref.generation;
      const action = channelHostAction({ stream, hasFallback, lease, now, self: this.holder, heldSince: held.heldSince, ttlMs: this.options.ttlMs });
      if (!ours) {
        this.options.logger.warn('channel jobs: lost the output lease; stopping the playout', { streamId, holder: lease?.holder });
        await this.fence(streamId, held, 'lease_lost');
        return true;
      }
      if (action === 'drop' || held.handOver || handOverRequested(lease, now)) {
        this.options.logger.info(action === 'drop' ? 'channel jobs: the stream no longer plays a fallback' : 'channel jobs: handing the output over', { streamId, to: lease.request?.claimant });
        await this.stopPlaying(streamId, held);
        return action !== 'drop';
      }
      if (held.ticks % SYNC_EVERY_TICKS === 0) await this.options.sync(streamId);
      return true;
    }
    const action = channelHostAction({ stream, hasFallback, lease, now, self: this.holder, heldSince: held.heldSince, ttlMs: this.options.ttlMs });
    if (action === 'drop') return false;
    if (action === 'standby') return true;
    const result = await leases.acquire({ streamId, claimant: this.holder, priority: 'channel', ttlMs: this.options.ttlMs }, now);
    if (result.outcome !== 'acquired') return true;
    if (this.closed || this.jobs.get(streamId) !== held) {
      await this.release(streamId, { streamId, holder: this.holder, generation: result.lease.generation });
      return true;
    }
    held.ref = { streamId, holder: this.holder, generation: result.lease.generation };
    held.renewedAt = now.getTime();
    held.handOver = false;
    held.previous = lease;
    held.playing = true;
    this.options.logger.info('channel jobs: playing the channel', { streamId, generation: result.lease.generation, previousHolder: lease?.holder });
    await this.options.sync(streamId);
    return true;
  }

  /** Stops the feed (through the director) while the lease is still renewed, then gives the lease up. */
  private async stopPlaying(streamId: string, held: HeldChannel): Promise<void> {
    const ref = held.ref;
    if (!ref) return;
    held.playing = false;
    await this.options.sync(streamId).catch((err: unknown) => this.options.logger.error('channel jobs: could not stop the playout', { streamId, error: err instanceof Error ? err : String(err) }));
    if (held.ref !== ref) return; // fenced while stopping: the fence released (or the lease expires)
    held.ref = undefined;
    held.handOver = false;
    await this.release(streamId, ref);
  }

  private async release(streamId: string, ref: LeaseRef): Promise<void> {
    await this.options.leases.release(ref, this.options.clock.now()).catch((err: unknown) =>
      this.options.logger.warn('channel jobs: could not release the output lease (it expires instead)', { streamId, error: err instanceof Error ? err.message : String(err) }),
    );
  }
}
