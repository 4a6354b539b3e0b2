/**
 * Deleting a recording: its record and every object under its folder.
 *
 * Must never delete objects of a recording still being written or finalized, or leave a record whose
 * media is gone without its `deleting` mark.
 */
import { ConflictError, InvalidIdError, NotFoundError } from '../errors';
import { isId } from '../ids';
import { recordingPrefix } from '../media/layout';
import type { ObjectStore } from '../ports/object-store';
import { MAX_STEPS, tryPut, type RecordingDeps } from './record-writes';

/**
 * Removes a recording: marks it deleting (so no finalizer writes its folder again), removes every object
 * under its prefix, removes the record, then sweeps the prefix once more for anything written meanwhile.
 * Refused (ConflictError) while the recording is still being written or finalized.
 */
export async function deleteRecording(deps: Pick<RecordingDeps, 'recordings' | 'objectStore' | 'clock'>, id: string): Promise<void> {
  if (!isId('recording', id)) throw new InvalidIdError('recording');
  for (let step = 0; step < MAX_STEPS; step++) {
    let current = await deps.recordings.get(id);
    if (!current) throw new NotFoundError('recording', id);
    if (!current.deleting) {
      if (current.status === 'recording' || current.status === 'finalizing') {
        throw new ConflictError(`Recording ${id} is ${current.status}; it can be deleted once it is ready or failed.`);
      }
      current = await tryPut(deps, current, { ...current, deleting: true });
      if (!current) continue;
    }
    await deleteUnder(deps.objectStore, recordingPrefix(id));
    try {
      await deps.recordings.delete(id, { expectedVersion: current.version });
    } catch (err) {
      if (err instanceof ConflictError) continue;
      throw err;
    }
    await deleteUnder(deps.objectStore, recordingPrefix(id));
    return;
  }
  throw new ConflictError(`Recording ${id} kept changing while it was being deleted.`);
}

async function deleteUnder(store: ObjectStore, prefix: string): Promise<void> {
  const keys = (await store.list(prefix)).map((o) => o.key);
  if (keys.length > 0) await store.delete(keys);
}
