/**
 * The output lease: which ingest task writes a stream's output (its playlists) right now, across tasks.
 * One lease per stream. Whoever holds it is the only writer; a fencing `generation` that increases on
 * every acquisition lets the writer (and anything that checks its writes) tell a current holder from a
 * stale one. A claimant of higher priority (live > backup > channel playout) does not take the lease: it
 * records a hand-over request, which the holder sees on its next renewal and answers by releasing at its
 * next segment boundary. The rules are pure (core/leases/output-lease.ts); adapters only store them
 * atomically (adapters/memory-output-lease.ts, adapters/dynamodb-output-lease.ts).
 *
 * Must never: let a lease be taken before it expired or was released (two tasks would append to one
 * playlist), or let a generation go down or repeat for a stream.
 */

/** Who wants to write a stream's output; the order is live > backup > channel. */
export type OutputPriority = 'live' | 'backup' | 'channel';

export const OUTPUT_PRIORITIES: ReadonlyArray<OutputPriority> = ['live', 'backup', 'channel'];

/** A higher-priority claimant's wish to take over, kept on the lease until it is answered or goes stale. */
export interface HandOverRequest {
  claimant: string;
  priority: OutputPriority;
  /** When the request goes stale unless the claimant repeats it (it re-claims while it waits). */
  expiresAt: Date;
}

export interface OutputLease {
  streamId: string;
  /** The task (or process) that holds, or last held, the lease. */
  holder: string;
  priority: OutputPriority;
  /** Fencing token: 1 on the first acquisition of a stream's lease, +1 on every later one. */
  generation: number;
  acquiredAt: Date;
  /** The holder must renew before this; after it anyone may take the lease. */
  expiresAt: Date;
  /** True once the holder gave it up (the generation stays, so the next one is still higher). */
  released: boolean;
  request?: HandOverRequest;
}

/** What the holder of a lease names when it renews or releases it: a stale generation is refused. */
export interface LeaseRef {
  streamId: string;
  holder: string;
  generation: number;
}

export interface LeaseClaim {
  streamId: string;
  claimant: string;
  priority: OutputPriority;
  /** How long the lease (or the hand-over request) lasts without renewal. */
  ttlMs: number;
}

export type AcquireOutcome =
  /** The claimant holds the lease now, at `lease.generation`. */
  | { outcome: 'acquired'; lease: OutputLease }
  /** Somebody of lower priority holds it; a hand-over request was recorded. Claim again to take it once released. */
  | { outcome: 'requested'; current: OutputLease }
  /** Held by somebody of equal or higher priority (or reserved for a higher request): nothing changed. */
  | { outcome: 'busy'; current: OutputLease };

export type RenewOutcome =
  /** Still ours until `lease.expiresAt`; `handOverRequested` when a higher-priority claimant waits. */
  | { outcome: 'renewed'; lease: OutputLease; handOverRequested: boolean }
  /** Not ours any more (expired, released, or a newer generation): stop writing now. */
  | { outcome: 'lost'; current: OutputLease | undefined };

export interface OutputLeaseStore {
  /** Takes the lease when it is free, expired or already ours (a new generation); else maybe records a request. */
  acquire(claim: LeaseClaim, now: Date): Promise<AcquireOutcome>;
  /** Extends the holder's lease by `ttlMs` from `now`; refused once it expired or a newer generation exists. */
  renew(lease: LeaseRef, ttlMs: number, now: Date): Promise<RenewOutcome>;
  /** Gives the lease up (true) if `lease` is still the current, unreleased generation; else changes nothing (false). */
  release(lease: LeaseRef, now: Date): Promise<boolean>;
  /** The stream's lease as stored (also when expired or released), or undefined if it never had one. */
  get(streamId: string): Promise<OutputLease | undefined>;
}
