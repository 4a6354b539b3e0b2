/**
 * The live side of the output lease (core/ports/output-lease.ts) on an ingest task: before a live
 * session's packager takes a stream's playlists over, it claims the lease at live priority — at once when
 * it is free, else by a hand-over request the channel's host answers at its next segment boundary — and
 * it holds the lease, renewed, until the session ends. The holder id is `<task>:live`, apart from the same
 * task's channel host (`<task>:channel`), so the hand-over works the same on one task or two.
 *
 * Must never: let the session take over before the lease is its own (two tasks would append to one
 * playlist), or keep renewing after the session ended.
 */
import { leaseHolder } from '../../../../core/leases/output-lease';
import type { Clock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import type { LeaseRef, OutputLease, OutputLeaseStore } from '../../../../core/ports/output-lease';

export interface LiveOutputLeaseOptions {
  taskId: string;
  leases: OutputLeaseStore;
  clock: Clock;
  /** Lease lifetime without renewal; renewed at a third of it. */
  ttlMs: number;
  /** How often a waiting claim asks again (a hand-over takes one host tick plus a segment boundary). */
  claimPollMs?: number;
  logger: Logger;
}

export class LiveOutputLease {
  private readonly held = new Map<string, { ref: LeaseRef; timer: NodeJS.Timeout; previous: OutputLease | undefined }>();
  private readonly claiming = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly options: LiveOutputLeaseOptions) {}

  get holder(): string {
    return leaseHolder(this.options.taskId, 'live');
  }

  /** The generation this task's live session holds for the stream, if any. */
  generation(streamId: string): number | undefined {
    return this.held.get(streamId)?.ref.generation;
  }

  /** While the session holds the lease: the lease as another holder left it, when this claim had to wait for it. */
  previousWriter(streamId: string): OutputLease | undefined {
    return this.held.get(streamId)?.previous;
  }

  /** Resolves once the lease is held at live priority (also when it already was). */
  claim(streamId: string): Promise<void> {
    if (this.held.has(streamId)) return Promise.resolve();
    let pending = this.claiming.get(streamId);
    if (!pending) {
      pending = this.acquire(streamId).finally(() => this.claiming.delete(streamId));
      this.claiming.set(streamId, pending);
    }
    return pending;
  }

  async release(streamId: string): Promise<void> {
    await this.claiming.get(streamId)?.catch(() => undefined);
    const held = this.held.get(streamId);
    if (!held) return;
    clearInterval(held.timer);
    this.held.delete(streamId);
    await this.options.leases.release(held.ref, this.options.clock.now()).catch((err: unknown) =>
      this.options.logger.warn('lease: could not release the live output lease (it expires instead)', { streamId, error: err instanceof Error ? err.message : String(err) }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.held.keys()].map((streamId) => this.release(streamId)));
  }

  private async acquire(streamId: string): Promise<void> {
    const { leases, clock, ttlMs, logger } = this.options;
    let asked = false;
    let previous: OutputLease | undefined;
    for (;;) {
      if (this.closed) throw new Error('the ingest is closing');
      const result = await leases.acquire({ streamId, claimant: this.holder, priority: 'live', ttlMs }, clock.now()).catch((err: unknown) => {
        logger.warn('lease: could not claim the output lease; trying again', { streamId, error: err instanceof Error ? err.message : String(err) });
        return undefined;
      });
      if (result?.outcome === 'acquired') {
        const ref = { streamId, holder: this.holder, generation: result.lease.generation };
        const timer = setInterval(() => void this.renew(streamId), Math.max(250, Math.floor(ttlMs / 3)));
        timer.unref();
        this.held.set(streamId, { ref, timer, previous });
        logger.info('lease: live holds the output', { streamId, generation: ref.generation });
        return;
      }
      if (result) previous = result.current;
      if (result && !asked) {
        logger.info('lease: waiting for the output lease', { streamId, holder: result.current.holder, outcome: result.outcome });
        asked = true;
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.claimPollMs ?? 250));
    }
  }

  private async renew(streamId: string): Promise<void> {
    const held = this.held.get(streamId);
    if (!held) return;
    try {
      const result = await this.options.leases.renew(held.ref, this.options.ttlMs, this.options.clock.now());
      if (result.outcome === 'renewed') return;
      // Expired (renewals failed for a whole ttl): ask again at live priority; a channel host hands back.
      this.options.logger.warn('lease: the live session lost its output lease; claiming it again', { streamId, holder: result.current?.holder });
      if (this.held.get(streamId) !== held) return;
      clearInterval(held.timer);
      this.held.delete(streamId);
      await this.claim(streamId);
    } catch (err) {
      this.options.logger.warn('lease: could not renew the live output lease', { streamId, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
