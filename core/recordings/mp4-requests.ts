/**
 * MP4 export requests of a ready recording, and their outcome (the export itself runs where ffmpeg is).
 *
 * Must never queue a second export while one is pending and fresh, or record an outcome on a recording
 * that is gone or being deleted.
 */
import { ConflictError } from '../errors';
import { getRecording } from './queries';
import { MAX_STEPS, tryPut, type RecordingDeps } from './record-writes';
import type { Recording } from './recording';

/** An export request older than this without a result is assumed lost and may be requested again. */
const MP4_PENDING_STALE_MS = 15 * 60_000;

/**
 * Asks for an MP4 of a ready recording. `enqueue` says whether the caller must queue the export job: not
 * when one is already done or pending (a stale pending request is renewed).
 */
export async function requestMp4Export(deps: Pick<RecordingDeps, 'recordings' | 'clock'>, id: string): Promise<{ recording: Recording; enqueue: boolean }> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await getRecording(deps, id);
    if (current.status !== 'ready') throw new ConflictError(`Recording ${id} is ${current.status}; only a ready recording can be exported.`);
    const now = deps.clock.now();
    if (current.mp4?.status === 'ready') return { recording: current, enqueue: false };
    if (current.mp4?.status === 'pending' && now.getTime() - Date.parse(current.mp4.requestedAt) < MP4_PENDING_STALE_MS) return { recording: current, enqueue: false };
    const next = await tryPut(deps, current, { ...current, mp4: { status: 'pending', requestedAt: now.toISOString(), updatedAt: now.toISOString() } });
    if (next) return { recording: next, enqueue: true };
  }
  throw new ConflictError(`Recording ${id} kept changing.`);
}

/** Stores the outcome of an export. Ignored when the recording is gone or being deleted. */
export async function completeMp4Export(
  deps: Pick<RecordingDeps, 'recordings' | 'clock'>,
  id: string,
  result: { status: 'ready'; bytes: number } | { status: 'failed'; error: string },
): Promise<Recording | undefined> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await deps.recordings.get(id);
    if (!current || current.deleting) return undefined;
    const now = deps.clock.now().toISOString();
    const mp4 = result.status === 'ready' ? { status: 'ready' as const, bytes: result.bytes } : { status: 'failed' as const, error: result.error.slice(0, 300) };
    const next = await tryPut(deps, current, { ...current, mp4: { requestedAt: current.mp4?.requestedAt ?? now, updatedAt: now, ...mp4 } });
    if (next) return next;
  }
  throw new ConflictError(`Recording ${id} kept changing.`);
}
