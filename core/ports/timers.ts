/**
 * Monotonic time and one-shot timers, for core logic that waits (delivery slots with deadlines). The
 * system implementation is adapters/system-timers.ts; tests may pass a fake clock.
 *
 * Must never: be implemented inside core with real timers — core stays free of I/O and wall time.
 */

export interface TimerHandle {
  /** Stops the timer; harmless after it fired or was cancelled. */
  cancel(): void;
}

export interface Timers {
  /** Milliseconds on a monotonic clock (only differences mean anything). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds, unless cancelled first. */
  after(ms: number, fn: () => void): TimerHandle;
}
