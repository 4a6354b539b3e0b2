/**
 * The model of one session's recording: its record (status, stats, the outbox of its final event), and
 * the one id a session's recording gets. Where its objects are lives in core/media/layout.ts; the VOD
 * plan, manifest and API view beside this file.
 *
 * Must never do I/O or read a clock: callers pass every value in.
 */
import { InvalidIdError } from '../errors';
import { ID_PREFIXES, isId } from '../ids';
import type { PlaybackPolicy } from '../playback/playback-access';

export const RECORDING_STATUSES = ['recording', 'finalizing', 'ready', 'failed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const MP4_STATUSES = ['pending', 'ready', 'failed'] as const;
export type Mp4Status = (typeof MP4_STATUSES)[number];

export interface Mp4Export {
  status: Mp4Status;
  requestedAt: string;
  updatedAt: string;
  bytes?: number;
  /** Why the last export failed (no secrets, no paths). */
  error?: string;
}

export interface RecordingFailure {
  reason: string;
  /** A later finalization may still succeed (an infrastructure error), unlike "no media". */
  retryable: boolean;
}

export interface Recording {
  id: string;
  streamId: string;
  sessionId: string;
  status: RecordingStatus;
  createdAt: string;
  updatedAt: string;
  /** Set when the recording is ready: the VOD timeline's length. */
  durationSeconds?: number;
  bytes?: number;
  segmentCount?: number;
  renditions?: string[];
  /** Discontinuities and holes in the timeline (details in the manifest). */
  gapCount?: number;
  /** When it became ready or failed. */
  finishedAt?: string;
  failure?: RecordingFailure;
  /**
   * Outbox of the `recording.ready` / `recording.failed` event: written together with the final status,
   * removed once the event is out. `token` names the worker that sends it; `since` lets another worker
   * take over after a lease when the first one died in between.
   */
  announce?: { token: string; since: string };
  /** `recording.started` is out (set right after emitting it, so a failed emit is retried by the next call). */
  startAnnounced?: boolean;
  mp4?: Mp4Export;
  /** Inherited from the stream when recording started (absent on old records = public); PATCHable. */
  playbackPolicy?: PlaybackPolicy;
  /** A delete is under way: its objects are being removed; nothing may write them again. */
  deleting?: boolean;
  /** Incremented on every write; conditional writes compare it. */
  version: number;
}

/** A recording whose lifecycle still needs work (finalization, or its final event). */
export function isUnsettled(recording: Pick<Recording, 'status' | 'announce'>): boolean {
  return recording.status === 'recording' || recording.status === 'finalizing' || recording.announce !== undefined;
}

/** One recording per session, derived from its id: every duplicate of a message names the same recording. */
export function recordingIdFor(sessionId: string): string {
  if (!isId('session', sessionId)) throw new InvalidIdError('session');
  return `${ID_PREFIXES.recording}_${sessionId.slice(ID_PREFIXES.session.length + 1)}`;
}
