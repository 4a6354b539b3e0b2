/**
 * Backup ingest across ingest tasks, the pure part: when the two encoders landed on different tasks, the
 * task with the standby feed reports that feed's health once a second (a `FeedReport`), the task with the
 * active feed (and the output lease) reads it and decides a takeover with the same rule as one task does
 * (backup-selector.ts); when it gives the output up it leaves a `HandOverNote` naming the feed that takes
 * over and why, which the standby's task reads to promote its feed. The lease is what keeps one writer;
 * these are only the facts and the signal.
 * Must never: treat a stale report as a connected feed (a dead task's standby would be promoted into
 * nothing), or let a note meant for another role, another session or an older standby promote a feed.
 */
import type { FeedFacts, FeedRole, TakeoverReason } from './backup-selector';

/** A report older than this says nothing: its task stopped reporting (3 missed reports). */
export const REPORT_STALE_AFTER_MS = 3_000;
/** A hand-over note is acted on only this soon after it was written (tasks' clocks may differ a little). */
export const HAND_OVER_FRESH_MS = 15_000;
/** Clock skew tolerated between the task that wrote a note and the one that reads it. */
export const CLOCK_SKEW_MS = 2_000;

export interface FeedReport {
  streamId: string;
  sessionId: string;
  role: FeedRole;
  /** The ingest task holding the feed. */
  taskId: string;
  /** Media within the starvation limit when reported. */
  healthy: boolean;
  /** Milliseconds of steady media when reported. */
  steadyForMs: number;
  reportedAt: Date;
}

export interface HandOverNote {
  streamId: string;
  sessionId: string;
  from: FeedRole;
  to: FeedRole;
  reason: TakeoverReason;
  /** The task that gave the output up (it stopped writing and released the lease, or is about to). */
  byTask: string;
  at: Date;
}

/** What a report says about the other feed as the selector needs it (a stale one: not connected). */
export function remoteFeedFacts(report: FeedReport | undefined, sessionId: string, now: Date): FeedFacts {
  if (!report || report.sessionId !== sessionId) return { connected: false, healthy: false, steadyForMs: 0 };
  const age = now.getTime() - report.reportedAt.getTime();
  if (age > REPORT_STALE_AFTER_MS) return { connected: false, healthy: false, steadyForMs: 0 };
  return { connected: true, healthy: report.healthy, steadyForMs: report.healthy ? report.steadyForMs + Math.max(0, age) : 0 };
}

/** True when `note` asks the standby of `role` in `sessionId`, held since `standbySince`, to take over now. */
export function handOverFor(note: HandOverNote | undefined, target: { role: FeedRole; sessionId: string; standbySince: Date }, now: Date): boolean {
  if (!note || note.to !== target.role || note.sessionId !== target.sessionId) return false;
  const at = note.at.getTime();
  if (now.getTime() - at > HAND_OVER_FRESH_MS) return false;
  // A note written before this standby began (minus the clock skew) was meant for an earlier one.
  return at >= target.standbySince.getTime() - CLOCK_SKEW_MS;
}
