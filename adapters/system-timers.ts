/**
 * The process's timers behind core's Timers port: `performance.now()` and `setTimeout`.
 *
 * Must never: hold the process open for a timer that was cancelled.
 */
import type { Timers } from '../core/ports/timers';

export const systemTimers: Timers = {
  now: () => performance.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};
