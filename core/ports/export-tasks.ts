/**
 * Where an MP4 export runs once its job leaves the queue: a task of its own (ECS RunTask in the cloud),
 * never a live ingest task. The environment variable names the one recording the task exports.
 *
 * Must never: carry anything but the recording id into the task (no secrets, no URLs).
 */

/** The variable the export task reads its recording from (containers/ingest/src/recordings/export-worker-config.ts). */
export const EXPORT_RECORDING_ID_VAR = 'STREAMPLANE_EXPORT_RECORDING_ID';

/** RunTask's `startedBy` of every export task: how its "Task State Change" events are told apart. */
export const EXPORT_STARTED_BY = 'streamplane-mp4-export';

export interface ExportTaskLauncher {
  /**
   * Starts one export task for `recordingId`. `idempotencyToken` (at most 64 characters) makes a repeat
   * with the same token start no second task. Throws when no task was started.
   */
  launch(recordingId: string, idempotencyToken: string): Promise<{ taskArn: string }>;
}
