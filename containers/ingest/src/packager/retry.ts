/**
 * Retries an async operation with capped exponential backoff and jitter until it succeeds, the attempt
 * budget runs out, or the signal aborts. The packager uses it so a transient store error delays a segment
 * instead of losing it. Must never swallow an abort: it rethrows the signal's reason.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Unlimited when absent: the caller's signal ends the retries. */
  maxAttempts?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 5_000 };

export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: { signal?: AbortSignal; onRetry?: (error: unknown, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (err) {
      options.signal?.throwIfAborted();
      if (policy.maxAttempts !== undefined && attempt >= policy.maxAttempts) throw err;
      const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
      // Half fixed, half random: spreads retries of many streams after a shared outage.
      const wait = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      options.onRetry?.(err, attempt, wait);
      await delay(wait, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}

export function isAbortError(err: unknown): boolean {
  // DOMException (the default abort reason) is not reliably an Error subclass across runtimes: check by name.
  const e = err as { name?: unknown; code?: unknown } | null;
  return typeof e === 'object' && e !== null && (e.name === 'AbortError' || e.code === 'ABORT_ERR');
}
