/**
 * The rules of the output lease (core/ports/output-lease.ts), as pure decisions over the stored lease:
 * given what is stored now and what a task asks, what must be stored next and what the task is told.
 * Stores apply a decision atomically (in memory directly; in DynamoDB as a write conditional on the item
 * being unchanged since it was read), so every store behaves the same.
 *
 *  - acquire: free (never held, released or expired) or already ours → a new generation (+1). A free lease
 *    with a fresh hand-over request stays reserved for that requester against lower-priority claims.
 *  - held by another of lower priority → a hand-over request is recorded, the lease itself is untouched.
 *  - renew: only the current, unreleased, unexpired generation; the answer says whether a request waits.
 *  - release: only the current generation; the generation is kept so the next one is higher.
 *
 * Must never: hand out a lease before it expired or was released, decrease or repeat a generation, or
 * read the clock itself (callers pass `now`).
 */
import type { AcquireOutcome, LeaseClaim, LeaseRef, OutputLease, OutputPriority, RenewOutcome } from '../ports/output-lease';

const RANK: Readonly<Record<OutputPriority, number>> = { live: 3, backup: 2, channel: 1 };

/** True when `a` wins over `b` (live > backup > channel); equal priorities never outrank each other. */
/** Who holds a stream's output on a task: its live sessions (`<task>:live`) or its channel host (`<task>:channel`). */
export type LeaseRole = 'live' | 'channel';

/** The lease holder id of a task's live sessions or channel host: one spelling for the ingest and the failover Lambda. */
export function leaseHolder(taskId: string, role: LeaseRole): string {
  return `${taskId}:${role}`;
}

export function outranks(a: OutputPriority, b: OutputPriority): boolean {
  return RANK[a] > RANK[b];
}

/** True while the holder may write: not released and not expired at `now`. */
export function isHeld(lease: OutputLease | undefined, now: Date): lease is OutputLease {
  return lease !== undefined && !lease.released && lease.expiresAt.getTime() > now.getTime();
}

/** The lease's hand-over request if it has not gone stale at `now`. */
export function freshRequest(lease: OutputLease, now: Date): OutputLease['request'] {
  return lease.request && lease.request.expiresAt.getTime() > now.getTime() ? lease.request : undefined;
}

/** True when a fresh request of a priority above the holder's waits: release at the next segment boundary. */
export function handOverRequested(lease: OutputLease, now: Date): boolean {
  const request = freshRequest(lease, now);
  return request !== undefined && request.claimant !== lease.holder && outranks(request.priority, lease.priority);
}

/** What to store (`next`, absent when nothing changes) and what the caller is told. */
export interface Decision<O> {
  next?: OutputLease;
  outcome: O;
}

export function decideAcquire(current: OutputLease | undefined, claim: LeaseClaim, now: Date): Decision<AcquireOutcome> {
  checkTtl(claim.ttlMs);
  const expiresAt = new Date(now.getTime() + claim.ttlMs);
  const ours = current !== undefined && current.holder === claim.claimant;
  if (current === undefined || ours || !isHeld(current, now)) {
    const request = current && freshRequest(current, now);
    if (!ours && current && request && request.claimant !== claim.claimant && outranks(request.priority, claim.priority)) {
      return { outcome: { outcome: 'busy', current } }; // reserved for the higher-priority claimant that asked first
    }
    const next: OutputLease = {
      streamId: claim.streamId,
      holder: claim.claimant,
      priority: claim.priority,
      generation: (current?.generation ?? 0) + 1,
      acquiredAt: now,
      expiresAt,
      released: false,
    };
    // A request that still outranks the new holder stays, so the new holder sees it on its first renewal.
    if (request && request.claimant !== claim.claimant && outranks(request.priority, claim.priority)) next.request = request;
    return { next, outcome: { outcome: 'acquired', lease: next } };
  }
  if (!outranks(claim.priority, current.priority)) return { outcome: { outcome: 'busy', current } };
  const pending = freshRequest(current, now);
  if (pending && pending.claimant !== claim.claimant && !outranks(claim.priority, pending.priority)) {
    return { outcome: { outcome: 'busy', current } }; // somebody of equal or higher priority asked first
  }
  const next: OutputLease = { ...current, request: { claimant: claim.claimant, priority: claim.priority, expiresAt } };
  return { next, outcome: { outcome: 'requested', current: next } };
}

export function decideRenew(current: OutputLease | undefined, ref: LeaseRef, ttlMs: number, now: Date): Decision<RenewOutcome> {
  checkTtl(ttlMs);
  if (!isCurrent(current, ref) || !isHeld(current, now)) return { outcome: { outcome: 'lost', current } };
  const next: OutputLease = { ...current, expiresAt: new Date(now.getTime() + ttlMs) };
  const request = freshRequest(current, now);
  if (request) next.request = request;
  else delete next.request;
  return { next, outcome: { outcome: 'renewed', lease: next, handOverRequested: handOverRequested(next, now) } };
}

export function decideRelease(current: OutputLease | undefined, ref: LeaseRef, now: Date): Decision<boolean> {
  if (!isCurrent(current, ref) || current.released) return { outcome: false };
  const expiresAt = current.expiresAt.getTime() < now.getTime() ? current.expiresAt : now;
  return { next: { ...current, released: true, expiresAt }, outcome: true };
}

function isCurrent(current: OutputLease | undefined, ref: LeaseRef): current is OutputLease {
  return current !== undefined && current.streamId === ref.streamId && current.holder === ref.holder && current.generation === ref.generation;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`A lease ttl must be a positive whole number of milliseconds, got ${ttlMs}.`);
}
