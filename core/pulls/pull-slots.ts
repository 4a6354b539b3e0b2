/**
 * The concurrency limit of pulls on one runner (STREAMPLANE_MAX_PULLS locally; the cdk context key
 * `maxPullsPerTask` in the cloud): which requested pulls run now and which wait, first come first served.
 * A pure value: every operation returns the next state and what the caller must do.
 *
 * Must never: run a stream twice, or leave a free slot while something waits.
 */
export interface PullSlots {
  readonly max: number;
  readonly running: ReadonlyArray<string>;
  readonly waiting: ReadonlyArray<string>;
}

export type RequestOutcome = 'start' | 'queued' | 'already_running' | 'already_queued';

export function emptySlots(max: number): PullSlots {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max pulls must be a positive integer, got ${max}`);
  return { max, running: [], waiting: [] };
}

/** A start request: run now if a slot is free, otherwise wait in line. Duplicates change nothing. */
export function requestSlot(slots: PullSlots, streamId: string): { slots: PullSlots; outcome: RequestOutcome } {
  if (slots.running.includes(streamId)) return { slots, outcome: 'already_running' };
  if (slots.waiting.includes(streamId)) return { slots, outcome: 'already_queued' };
  if (slots.running.length < slots.max) return { slots: { ...slots, running: [...slots.running, streamId] }, outcome: 'start' };
  return { slots: { ...slots, waiting: [...slots.waiting, streamId] }, outcome: 'queued' };
}

/** A pull ended or a waiting one was cancelled: frees its place; returns the streams that start now. */
export function releaseSlot(slots: PullSlots, streamId: string): { slots: PullSlots; start: string[] } {
  const running = slots.running.filter((id) => id !== streamId);
  const waiting = slots.waiting.filter((id) => id !== streamId);
  const start: string[] = [];
  while (running.length < slots.max && waiting.length > 0) {
    const next = waiting.shift() as string;
    running.push(next);
    start.push(next);
  }
  return { slots: { max: slots.max, running, waiting }, start };
}

export function freeSlots(slots: PullSlots): number {
  return Math.max(0, slots.max - slots.running.length);
}
