/**
 * The relay status machine of one target: idle → starting → broadcasting, errored on a failed attempt
 * (it stays errored while it retries with backoff, until a connection succeeds), and idle again when
 * the session ends or the target is disabled. Pure: it maps an input to the next status and the event
 * (if any) the runner emits, so the rules live in one place and are tested without processes.
 *
 * Must never: put a URL with its key, or anything secret, into a reason.
 */
import type { TargetStatus } from './target';

export type RelayInput =
  | { type: 'start' }
  | { type: 'connected' }
  | { type: 'failed'; reason: string }
  | { type: 'stop'; reason: RelayStopReason };

export const RELAY_STOP_REASONS = ['session_ended', 'disabled', 'deleted', 'shutdown'] as const;
export type RelayStopReason = (typeof RELAY_STOP_REASONS)[number];

export interface RelayState {
  status: TargetStatus;
  /** Failed attempts since the last successful connection. */
  failures: number;
  /** Attempts made in this run (the first is 1). */
  attempt: number;
  lastError?: string;
}

export type RelayEffect =
  | { event: 'relay.started'; attempt: number }
  | { event: 'relay.connected'; attempt: number }
  | { event: 'relay.failed'; attempt: number; reason: string; retryInMs: number }
  | { event: 'relay.stopped'; reason: RelayStopReason }
  | undefined;

export const initialRelayState: RelayState = { status: 'idle', failures: 0, attempt: 0 };

export interface RelayTransition {
  state: RelayState;
  effect: RelayEffect;
}

/** `backoffMs(failures)` gives the delay before the next attempt after `failures` failures in a row. */
export function nextRelayState(state: RelayState, input: RelayInput, backoffMs: (failures: number) => number): RelayTransition {
  switch (input.type) {
    case 'start':
      if (state.status !== 'idle') return { state, effect: undefined };
      return { state: { status: 'starting', failures: 0, attempt: 1 }, effect: { event: 'relay.started', attempt: 1 } };
    case 'connected':
      if (state.status === 'idle') return { state, effect: undefined };
      return { state: { status: 'broadcasting', failures: 0, attempt: state.attempt }, effect: { event: 'relay.connected', attempt: state.attempt } };
    case 'failed': {
      if (state.status === 'idle') return { state, effect: undefined };
      const failures = state.failures + 1;
      const retryInMs = backoffMs(failures);
      return {
        state: { status: 'errored', failures, attempt: state.attempt + 1, lastError: input.reason },
        effect: { event: 'relay.failed', attempt: state.attempt, reason: input.reason, retryInMs },
      };
    }
    case 'stop':
      if (state.status === 'idle') return { state, effect: undefined };
      return { state: { ...initialRelayState, ...(state.lastError ? { lastError: state.lastError } : {}) }, effect: { event: 'relay.stopped', reason: input.reason } };
  }
}
