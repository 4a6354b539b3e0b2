/**
 * Starting a recording: the record appears (and `recording.started` goes out) when a recorded session's
 * first segment is stored.
 *
 * Must never emit `recording.started` after the recording left `recording`, or create a second record
 * for one session.
 */
import { ConflictError, InvalidIdError } from '../errors';
import { isId } from '../ids';
import type { PlaybackPolicy } from '../playback/playback-access';
import { MAX_STEPS, tryPut, type RecordingDeps } from './record-writes';
import { recordingIdFor, type Recording } from './recording';

/**
 * Records that a session is being recorded (call when its first segment is stored). Idempotent: the first
 * call creates the record and emits `recording.started`; later calls (more segments, a reconnect, another
 * ingest) return the record. If the emit failed before, the next call sends it.
 */
export async function startRecording(
  deps: RecordingDeps,
  input: { streamId: string; sessionId: string; playbackPolicy?: PlaybackPolicy | undefined },
): Promise<{ recording: Recording; started: boolean }> {
  if (!isId('stream', input.streamId)) throw new InvalidIdError('stream');
  const id = recordingIdFor(input.sessionId);
  const now = deps.clock.now().toISOString();
  const fresh: Recording = { id, streamId: input.streamId, sessionId: input.sessionId, status: 'recording', createdAt: now, updatedAt: now, version: 1, ...(input.playbackPolicy ? { playbackPolicy: input.playbackPolicy } : {}) };
  let recording = (await deps.recordings.create(fresh)) ? fresh : await deps.recordings.get(id);
  if (!recording) throw new ConflictError(`Recording ${id} was deleted while it was being started.`);
  // Only while it is still being recorded: a `started` after `ready` would confuse every consumer.
  if (recording.startAnnounced || recording.status !== 'recording') return { recording, started: false };
  await deps.emit({ type: 'recording.started', streamId: recording.streamId, sessionId: recording.sessionId, data: { recordingId: id } });
  for (let step = 0; step < MAX_STEPS && recording && !recording.startAnnounced; step++) {
    recording = (await tryPut(deps, recording, { ...recording, startAnnounced: true })) ?? (await deps.recordings.get(id));
  }
  return { recording: recording ?? fresh, started: true };
}
