/**
 * An MP4 export whose task stopped without storing its result (killed, out of memory, image pull failed,
 * Fargate reclaimed it, or it exited without writing): the export is marked failed with the task's reason,
 * so it does not read `pending` until the 15-minute stale rule, and the user can ask again at once.
 *
 * Must never: touch an export that has its result (ready or failed), or one requested again after the
 * stopped task was created (that request belongs to a newer task).
 */
import { ConflictError } from '../errors';
import { MAX_STEPS, tryPut, type RecordingDeps } from './record-writes';

export interface StoppedExportTask {
  recordingId: string;
  /** When the task was created (RunTask): a request after it is not this task's. */
  createdAt: Date;
  /** ECS's stop reason, if any (e.g. "Essential container in task exited"). */
  stoppedReason?: string;
  /** The export container's exit code; absent when it never ran. */
  exitCode?: number;
}

export type StrandedExportOutcome = 'marked-failed' | 'has-result' | 'newer-request' | 'no-export' | 'gone';

/** Marks the export failed if it is still pending from this task; otherwise changes nothing. */
export async function failStrandedMp4Export(deps: Pick<RecordingDeps, 'recordings' | 'clock'>, task: StoppedExportTask): Promise<StrandedExportOutcome> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await deps.recordings.get(task.recordingId);
    if (!current || current.deleting) return 'gone';
    if (!current.mp4) return 'no-export';
    if (current.mp4.status !== 'pending') return 'has-result';
    if (Date.parse(current.mp4.requestedAt) > task.createdAt.getTime()) return 'newer-request';
    const now = deps.clock.now().toISOString();
    const next = await tryPut(deps, current, { ...current, mp4: { requestedAt: current.mp4.requestedAt, updatedAt: now, status: 'failed', error: strandedReason(task) } });
    if (next) return 'marked-failed';
  }
  throw new ConflictError(`Recording ${task.recordingId} kept changing.`);
}

/** The failure a user reads: what ECS said, never more than the recording's 300-character error field. */
export function strandedReason(task: Pick<StoppedExportTask, 'stoppedReason' | 'exitCode'>): string {
  const how = task.exitCode === undefined ? 'before its export ran' : task.exitCode === 0 ? 'without storing its result (exit code 0)' : `with exit code ${task.exitCode}`;
  const why = task.stoppedReason ? `: ${task.stoppedReason}` : '';
  return `the export task stopped ${how}${why}`.slice(0, 300);
}
