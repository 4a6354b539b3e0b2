/**
 * How long a relay waits before its next attempt after a failure: 1 s, 2 s, 5 s, 10 s, 20 s, 30 s,
 * then 60 s for every further attempt. Pure; the runner owns the timer.
 */

export const RELAY_BACKOFF_SECONDS: ReadonlyArray<number> = [1, 2, 5, 10, 20, 30, 60];
export const RELAY_BACKOFF_CAP_SECONDS = 60;

/** Delay before attempt `failedAttempts + 1`, given how many attempts failed in a row (>= 1). */
export function relayBackoffMs(failedAttempts: number, scale = 1): number {
  const index = Math.max(0, Math.min(failedAttempts - 1, RELAY_BACKOFF_SECONDS.length - 1));
  return Math.round(Math.min(RELAY_BACKOFF_SECONDS[index]!, RELAY_BACKOFF_CAP_SECONDS) * 1000 * scale);
}
