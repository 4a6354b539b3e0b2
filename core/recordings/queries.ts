/**
 * Reading recordings for the API: one by id, or a stream's page.
 *
 * Must never show a recording that is being deleted.
 */
import { InvalidIdError, NotFoundError } from '../errors';
import { isId } from '../ids';
import type { Page } from '../ports/stream-store';
import type { RecordingDeps } from './record-writes';
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
