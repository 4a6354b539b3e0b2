/**
 * Sequence numbers for events without a stream (`webhook.disabled`, media settlement), with no counter
 * item: a single `SEQ#-` item took every such event's write and capped the plane near 1,000/s. A number is
 * `<epoch ms> * 1000 + n` (16 digits, a safe integer until the year 2255), strictly increasing within one
 * process (n starts at a random offset so two processes in one millisecond rarely meet, then counts up;
 * a clock step back never lowers it) and increasing across processes as far as their clocks agree,
 * above every number the old counter ever handed out. Stream
 * events keep their exact per-stream counter (DESIGN: `sequence` strictly increasing per stream).
 *
 * Must never: return a number lower than or equal to one it returned before.
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../core/ports/clock';

const PER_MS = 1000;

export function streamlessSequence(clock: Clock): { next(): number } {
  let last = 0;
  return {
    next() {
      const base = clock.now().getTime() * PER_MS + randomInt(PER_MS / 2);
      last = Math.max(base, last + 1);
      return last;
    },
  };
}
