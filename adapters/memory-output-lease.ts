/**
 * The output lease (core/ports/output-lease.ts) in one process's memory: the local plane, where every
 * ingest runs in the same process, and unit tests. Each call applies one decision of core/leases
 * synchronously, so calls are atomic as the DynamoDB adapter's conditional writes are.
 *
 * Must never: share a stored lease object with a caller (they get copies), or decide anything itself.
 */
import { decideAcquire, decideRelease, decideRenew } from '../core/leases/output-lease';
import type { AcquireOutcome, LeaseClaim, LeaseRef, OutputLease, OutputLeaseStore, RenewOutcome } from '../core/ports/output-lease';

export class MemoryOutputLeaseStore implements OutputLeaseStore {
  private readonly leases = new Map<string, OutputLease>();

  async acquire(claim: LeaseClaim, now: Date): Promise<AcquireOutcome> {
    return structuredClone(this.apply(claim.streamId, (current) => decideAcquire(current, claim, now)));
  }

  async renew(lease: LeaseRef, ttlMs: number, now: Date): Promise<RenewOutcome> {
    return structuredClone(this.apply(lease.streamId, (current) => decideRenew(current, lease, ttlMs, now)));
  }

  async release(lease: LeaseRef, now: Date): Promise<boolean> {
    return this.apply(lease.streamId, (current) => decideRelease(current, lease, now));
  }

  async get(streamId: string): Promise<OutputLease | undefined> {
    const lease = this.leases.get(streamId);
    return lease && structuredClone(lease);
  }

  private apply<O>(streamId: string, decide: (current: OutputLease | undefined) => { next?: OutputLease; outcome: O }): O {
    const decision = decide(this.leases.get(streamId));
    if (decision.next) this.leases.set(streamId, structuredClone(decision.next));
    return decision.outcome;
  }
}
