/**
 * Reading recordings for the API: one by id, or a stream's page.
 *
 * Must never show a recording that is being deleted.
 */
import { ConflictError, InvalidIdError, NotFoundError } from '../errors';
import { isId } from '../ids';
import type { PlaybackPolicy } from '../playback/playback-access';
import type { Page } from '../ports/stream-store';
import { MAX_STEPS, tryPut, type RecordingDeps } from './record-writes';
import type { Recording } from './recording';

export async function getRecording(deps: Pick<RecordingDeps, 'recordings'>, id: string): Promise<Recording> {
  if (!isId('recording', id)) throw new InvalidIdError('recording');
  const recording = await deps.recordings.get(id);
  if (!recording || recording.deleting) throw new NotFoundError('recording', id);
  return recording;
}

export async function listRecordings(deps: Pick<RecordingDeps, 'recordings'>, streamId: string, options: { limit: number; cursor?: string }): Promise<Page<Recording>> {
  if (!isId('stream', streamId)) throw new InvalidIdError('stream');
  const page = await deps.recordings.listByStream(streamId, options);
  return { ...page, items: page.items.filter((r) => !r.deleting) };
}

/** Changes a recording's playback policy (effective at the next request; conditional write, retried on a lost race). */
export async function setRecordingPlaybackPolicy(deps: Pick<RecordingDeps, 'recordings' | 'clock'>, id: string, policy: PlaybackPolicy): Promise<Recording> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await getRecording(deps, id);
    if ((current.playbackPolicy ?? 'public') === policy) return current;
    const stored = await tryPut(deps, current, { ...current, playbackPolicy: policy });
    if (stored) return stored;
  }
  throw new ConflictError(`Recording ${id} kept changing; try again.`);
}
