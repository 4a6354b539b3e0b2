/**
 * The feed selector: which feed viewers of a stream get now (`output`), from the publisher's state, whether
 * a fallback is configured, the reconnect slate setting and whether the stream may play at all. A pure state
 * machine — the ingest's channel director feeds it facts and starts or stops feeds after what it returns.
 * Must never: leave a live publisher off the air, or go to `live` before the publisher's first segment exists
 * (a connecting publisher keeps whatever plays, so there is no gap before it takes over).
 */

export const OUTPUTS = ['off', 'live', 'fallback', 'slate'] as const;
export type Output = (typeof OUTPUTS)[number];

/** Feeds that can hand segments to a stream's packager (backup is a later issue's, same abstraction). */
export type FeedKind = 'primary' | 'backup' | 'fallback' | 'slate';

/**
 * none: no session (or it ended); connecting: a publish was accepted but has no segment yet; live: its
 * first segment exists; interrupted: the publisher went away and the reconnect window is open.
 */
export type PublisherState = 'none' | 'connecting' | 'live' | 'interrupted';

export const OUTPUT_REASONS = [
  'publisher_live',
  'publisher_interrupted',
  'session_ended',
  'fallback_configured',
  'fallback_removed',
  'slate_disabled',
  'stream_unavailable',
] as const;
export type OutputReason = (typeof OUTPUT_REASONS)[number];

export interface SelectorInputs {
  publisher: PublisherState;
  /** The stream has a fallback with at least one ready item. */
  fallback: boolean;
  /** `reconnectSlate` on the stream. */
  reconnectSlate: boolean;
  /** false when the stream is disabled or deleted: nothing plays. */
  available: boolean;
}

export interface OutputChange {
  from: Output;
  to: Output;
  reason: OutputReason;
}

/** The output for `inputs` when `current` is on air, or undefined when it stays. */
export function selectOutput(current: Output, inputs: SelectorInputs): OutputChange | undefined {
  const to = target(current, inputs);
  if (to === current) return undefined;
  return { from: current, to, reason: reasonFor(current, to, inputs) };
}

function target(current: Output, inputs: SelectorInputs): Output {
  if (!inputs.available) return 'off';
  switch (inputs.publisher) {
    case 'live':
      return 'live';
    case 'connecting':
      // Whatever plays keeps playing until the live feed's first segment exists.
      return current;
    case 'interrupted':
      if (inputs.reconnectSlate) return 'slate';
      // Today's behaviour: the live playlists stop advancing; a fallback waits for the window to close.
      return current === 'live' ? 'off' : current === 'slate' ? 'off' : current;
    case 'none':
      return inputs.fallback ? 'fallback' : 'off';
  }
}

function reasonFor(from: Output, to: Output, inputs: SelectorInputs): OutputReason {
  if (!inputs.available) return 'stream_unavailable';
  if (to === 'live') return 'publisher_live';
  if (inputs.publisher === 'interrupted') return to === 'slate' ? 'publisher_interrupted' : from === 'slate' ? 'slate_disabled' : 'publisher_interrupted';
  if (to === 'fallback') return from === 'off' ? 'fallback_configured' : 'session_ended';
  // to off with no publisher
  return from === 'fallback' ? 'fallback_removed' : 'session_ended';
}

/** The feed that carries an output (off: none). */
export function feedFor(output: Output): FeedKind | undefined {
  switch (output) {
    case 'live':
      return 'primary';
    case 'fallback':
      return 'fallback';
    case 'slate':
      return 'slate';
    case 'off':
      return undefined;
  }
}
