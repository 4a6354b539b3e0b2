/**
 * Recording retention: which recordings are past their retention (a pure rule), and the sweep that
 * deletes them through the same use case as the API's delete.
 *
 * Must never delete a recording that is still being written, finalized or announced.
 */
import { deleteRecording } from './delete';
import type { RecordingDeps } from './record-writes';
import { isUnsettled, type Recording } from './recording';


export interface RetentionPolicy {
  /** Days a recording is kept after it was created; undefined or 0 keeps recordings until deleted. */
  retentionDays?: number;
  /** A stream's own retention, overriding the global one (0 = keep). */
  streamRetentionDays?: (streamId: string) => number | undefined;
}

const DAY_MS = 86_400_000;

/**
 * The recordings past their retention at `now`. Only settled ones (ready or failed, event sent, not being
 * deleted): a recording still being written or finalized is never removed underneath its writer.
 */
export function recordingsDueForDeletion(now: Date, recordings: ReadonlyArray<Recording>, policy: RetentionPolicy): Recording[] {
  return recordings.filter((r) => {
    if (isUnsettled(r)) return false;
    // A delete that was cut off (timeout, crash) left the record marked; finishing it is always due.
    if (r.deleting) return true;
    const days = policy.streamRetentionDays?.(r.streamId) ?? policy.retentionDays;
    if (days === undefined || !(days > 0)) return false;
    const created = Date.parse(r.createdAt);
    return Number.isFinite(created) && created + days * DAY_MS <= now.getTime();
  });
}


/** Retention as the sweep takes it: a stream's own retention may come from a store (asynchronously). */
export interface RetentionSettings {
  /** Days a recording is kept after it was created; undefined or 0 keeps recordings until deleted. */
  retentionDays?: number;
  /** A stream's own retention in days (0 = keep), overriding `retentionDays`; undefined = use the global one. */
  streamRetentionDays?: (streamId: string) => Promise<number | undefined> | number | undefined;
}

/**
 * Deletes every settled recording past its retention. Returns the ids deleted. A failure on one
 * recording is reported through `onError` and does not stop the sweep.
 */
export async function sweepRecordingRetention(
  deps: Pick<RecordingDeps, 'recordings' | 'objectStore' | 'clock'>,
  settings: RetentionSettings,
  options: { pageSize?: number; onError?: (recordingId: string, error: unknown) => void } = {},
): Promise<string[]> {
  const perStream = settings.streamRetentionDays;
  if (!perStream && !(settings.retentionDays !== undefined && settings.retentionDays > 0)) return [];
  const now = deps.clock.now();
  // With per-stream retention any settled recording may be due; with only a global one the store cuts.
  const before = perStream ? now : new Date(now.getTime() - (settings.retentionDays as number) * DAY_MS);
  const deleted: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.recordings.listSettledCreatedBefore(before, { limit: options.pageSize ?? 100, ...(cursor ? { cursor } : {}) });
    // Resolved once per stream and page, so the rule itself stays a pure function.
    const days = new Map<string, number | undefined>();
    if (perStream) for (const streamId of new Set(page.items.map((r) => r.streamId))) days.set(streamId, await perStream(streamId));
    const policy: RetentionPolicy = {
      ...(settings.retentionDays !== undefined ? { retentionDays: settings.retentionDays } : {}),
      ...(perStream ? { streamRetentionDays: (streamId: string) => days.get(streamId) } : {}),
    };
    for (const recording of recordingsDueForDeletion(now, page.items, policy)) {
      try {
        await deleteRecording(deps, recording.id);
        deleted.push(recording.id);
      } catch (err) {
        options.onError?.(recording.id, err);
      }
    }
    cursor = page.next;
  } while (cursor);
  return deleted;
}
