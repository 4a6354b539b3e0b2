/**
 * Rate limiting of key guessing at the publish gate. An address that presents too many keys that do not
 * exist within a window is blocked for a cool-down; what it sends then is refused without asking the
 * registry, quietly (one summary per address per block, never one event per attempt). Keys are never
 * counted or blocked by a success elsewhere: an accepted publish does not reset an address's failures.
 *
 * A shared address (an office NAT, a carrier-grade NAT) must not lock out its valid encoders: while an
 * address is blocked, a key that was accepted recently is still checked, and so is one attempt per
 * `probeIntervalMs` — so a valid key gets in within an encoder retry or two, while guessing stays at one
 * lookup per interval per address.
 *
 * Pure: time comes from the injected clock; memory is bounded (oldest addresses and keys evicted).
 * Must never: hold key material — only the key hashes the caller passes in.
 */
import type { Clock } from '../ports/clock';

export interface RateLimiterOptions {
  /** Failures within `windowMs` that block an address. */
  maxFailures: number;
  windowMs: number;
  blockMs: number;
  /** While blocked, one unknown key per address is still checked this often (default 2 s). */
  probeIntervalMs?: number;
  /** How long an accepted key keeps bypassing blocks (default 24 h). */
  knownKeyTtlMs?: number;
  maxTrackedAddresses?: number;
  maxKnownKeys?: number;
}

/** What the gate does with an attempt. */
export type Admission =
  | { action: 'check' }
  /** Refuse without a lookup. `report` is set on the first refusal of a block: emit one summary then. */
  | { action: 'refuse'; report?: { attempts: number } };

interface AddressEntry {
  failures: number[];
  blockedUntil: number;
  nextProbeAt: number;
  /** Refusals since the last report, and whether this block has been reported yet. */
  refusedSinceReport: number;
  reported: boolean;
}

export class FailureRateLimiter {
  private readonly addresses = new Map<string, AddressEntry>();
  private readonly knownKeys = new Map<string, number>();

  constructor(private readonly clock: Clock, private readonly options: RateLimiterOptions) {}

  /** Decides an attempt from `address` presenting the key with hash `keyHash` (undefined: not a well-formed key). */
  admit(address: string, keyHash: string | undefined): Admission {
    const now = this.clock.now().getTime();
    const entry = this.addresses.get(address);
    if (entry === undefined || entry.blockedUntil <= now) return { action: 'check' };
    if (keyHash !== undefined && (this.knownKeys.get(keyHash) ?? 0) > now) return { action: 'check' };
    if (keyHash !== undefined && entry.nextProbeAt <= now) {
      entry.nextProbeAt = now + (this.options.probeIntervalMs ?? 2_000);
      return { action: 'check' };
    }
    entry.refusedSinceReport++;
    if (entry.reported) return { action: 'refuse' };
    entry.reported = true;
    const attempts = entry.refusedSinceReport;
    entry.refusedSinceReport = 0;
    return { action: 'refuse', report: { attempts } };
  }

  /** A key that matched no stream (or a malformed one) from `address`. */
  recordFailure(address: string): void {
    const now = this.clock.now().getTime();
    const entry = this.addresses.get(address) ?? { failures: [], blockedUntil: 0, nextProbeAt: 0, refusedSinceReport: 0, reported: false };
    entry.failures = entry.failures.filter((t) => t > now - this.options.windowMs);
    entry.failures.push(now);
    if (entry.failures.length >= this.options.maxFailures) {
      // A new block gets its own summary; refusals of the previous one not yet reported are carried into it.
      if (entry.blockedUntil <= now) entry.reported = false;
      entry.blockedUntil = now + this.options.blockMs;
      entry.nextProbeAt = now + (this.options.probeIntervalMs ?? 2_000);
      entry.failures = [];
    }
    touch(this.addresses, address, entry, this.options.maxTrackedAddresses ?? 10_000);
  }

  /** A key that was accepted: it bypasses blocks for a while, wherever it comes from. */
  recordAccepted(keyHash: string): void {
    touch(this.knownKeys, keyHash, this.clock.now().getTime() + (this.options.knownKeyTtlMs ?? 24 * 3_600_000), this.options.maxKnownKeys ?? 10_000);
  }
}

/** Re-inserts `key` as the newest entry and evicts the oldest beyond `max`. */
function touch<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
}
