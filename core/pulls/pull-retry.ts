/**
 * When a pull that failed or dropped is tried again. A source that never opened gets a few quick tries
 * (a camera that is still booting); one that dropped after media flowed is retried with backoff for as
 * long as the stream's reconnect window is open (`interrupted` → `recovered`), and then given up, so the
 * session ends like a pushed one whose encoder did not come back.
 *
 * Must never: read the clock itself (callers pass times in milliseconds).
 */

/** Delays between attempts: 1 s, 2 s, 5 s, 10 s, then every 15 s. */
export const PULL_RETRY_DELAYS_MS: ReadonlyArray<number> = [1_000, 2_000, 5_000, 10_000, 15_000];
/** Tries to open a source that has not delivered media yet in this run. */
export const PULL_START_ATTEMPTS = 3;

export function retryDelayMs(failedAttempts: number, schedule: ReadonlyArray<number> = PULL_RETRY_DELAYS_MS): number {
  const index = Math.max(0, Math.min(failedAttempts - 1, schedule.length - 1));
  return schedule[index] ?? 1_000;
}

export interface RetryInput {
  /** Attempts made so far in this run (including the one that just failed). */
  attempts: number;
  /** Whether media ever flowed in this run (the session exists). */
  everConnected: boolean;
  /** When the media last stopped (ms), for a run that was connected. */
  droppedAtMs?: number;
  nowMs: number;
  reconnectWindowSeconds: number;
  startAttempts?: number;
  schedule?: ReadonlyArray<number>;
}

export type RetryDecision = { action: 'retry'; delayMs: number } | { action: 'give_up'; reason: 'start_attempts_exhausted' | 'reconnect_window_expired' | 'no_reconnect_window' };

export function nextRetry(input: RetryInput): RetryDecision {
  const delayMs = retryDelayMs(input.attempts, input.schedule);
  if (!input.everConnected) {
    return input.attempts < (input.startAttempts ?? PULL_START_ATTEMPTS) ? { action: 'retry', delayMs } : { action: 'give_up', reason: 'start_attempts_exhausted' };
  }
  if (input.reconnectWindowSeconds <= 0) return { action: 'give_up', reason: 'no_reconnect_window' };
  const deadline = (input.droppedAtMs ?? input.nowMs) + input.reconnectWindowSeconds * 1000;
  const remaining = deadline - input.nowMs;
  // A retry needs a moment to open the source and publish before the window closes.
  if (remaining <= 500) return { action: 'give_up', reason: 'reconnect_window_expired' };
  return { action: 'retry', delayMs: Math.min(delayMs, remaining - 500) };
}
