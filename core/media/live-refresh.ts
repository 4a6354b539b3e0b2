/**
 * How long a live object that is written once per session (the master playlist, the DVR master) may go
 * without being rewritten while its session runs. Objects under `live/` expire by an S3 lifecycle rule
 * counted from their last write (at least `liveRetentionDays` whole days), so a 24/7 session's master
 * written at its start would vanish under its viewers a day later; the packager rewrites such objects at
 * least this often, and the media bucket refuses a live retention that is not comfortably longer.
 *
 * Must never: do I/O or read a clock (callers pass the time).
 */

/** The packager rewrites write-once live objects at least this often while their session runs. */
export const LIVE_OBJECT_REFRESH_MS = 6 * 60 * 60 * 1000;

/** Whether an object last written at `writtenAtMs` is due for a rewrite at `nowMs`. */
export function liveObjectRefreshDue(writtenAtMs: number | undefined, nowMs: number, intervalMs = LIVE_OBJECT_REFRESH_MS): boolean {
  return writtenAtMs !== undefined && nowMs - writtenAtMs >= intervalMs;
}

/**
 * Whether a lifecycle expiry of `retentionDays` leaves a rewritten object at least two refresh intervals
 * of margin (a refresh can be late by a store outage or a stalled feed).
 */
export function liveRetentionCoversRefresh(retentionDays: number, intervalMs = LIVE_OBJECT_REFRESH_MS): boolean {
  return retentionDays * 24 * 60 * 60 * 1000 >= 3 * intervalMs;
}
