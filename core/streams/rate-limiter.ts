/**
 * Failure-counting rate limiter for publish attempts: an address that presents too many bad keys within a
 * window is refused outright for a cool-down, so keys cannot be guessed at line rate. Pure: time comes
 * from the injected clock; memory is bounded by evicting the oldest addresses.
 */
import type { Clock } from '../ports/clock';

export interface RateLimiterOptions {
  maxFailures: number;
  windowMs: number;
  blockMs: number;
  maxTrackedAddresses?: number;
}

interface Entry {
  failures: number[];
  blockedUntil: number;
}

export class FailureRateLimiter {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly clock: Clock, private readonly options: RateLimiterOptions) {}

  isBlocked(address: string): boolean {
    const entry = this.entries.get(address);
    return entry !== undefined && entry.blockedUntil > this.clock.now().getTime();
  }

  recordFailure(address: string): void {
    const now = this.clock.now().getTime();
    const entry = this.entries.get(address) ?? { failures: [], blockedUntil: 0 };
    entry.failures = entry.failures.filter((t) => t > now - this.options.windowMs);
    entry.failures.push(now);
    if (entry.failures.length >= this.options.maxFailures) {
      entry.blockedUntil = now + this.options.blockMs;
      entry.failures = [];
    }
    this.entries.delete(address);
    this.entries.set(address, entry);
    const max = this.options.maxTrackedAddresses ?? 10_000;
    while (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  recordSuccess(address: string): void {
    const entry = this.entries.get(address);
    if (entry && entry.blockedUntil <= this.clock.now().getTime()) this.entries.delete(address);
  }
}
