/**
 * The pull state of a stream whose input is a URL, as stored on the stream record and shown on `GET`.
 * `queued`: waiting for a free pull slot (STREAMPLANE_MAX_PULLS); `starting`: the runner is opening the
 * source; `pulling`: media flows into the ingest; `retrying`: the source dropped or could not be opened
 * and is retried with backoff; `stopped`: ended by the API or the session ended; `failed`: gave up
 * (`lastError` says why).
 *
 * Must never: hold the source URL or any part of its credentials (`lastError` is redacted text).
 */
export const PULL_STATES = ['queued', 'starting', 'pulling', 'retrying', 'stopped', 'failed'] as const;
export type PullState = (typeof PULL_STATES)[number];

export interface PullStatus {
  state: PullState;
  /** When the state last changed (ISO 8601). */
  since: string;
  /** Attempts to open the source in the current run (1 on the first try). */
  attempts?: number;
  /** Why the last attempt failed, redacted (no credentials). */
  lastError?: string;
}

/** States in which a pull holds or waits for a slot: a start request is answered with the current state. */
export function isActivePull(status: PullStatus | undefined): boolean {
  return status !== undefined && status.state !== 'stopped' && status.state !== 'failed';
}

/** Longest `lastError` kept (ffmpeg's last stderr lines can be long). */
export const MAX_LAST_ERROR_LENGTH = 300;

export function boundedError(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > MAX_LAST_ERROR_LENGTH ? `${clean.slice(0, MAX_LAST_ERROR_LENGTH - 1)}…` : clean || 'unknown error';
}
