/**
 * What every recording use case writes through: its dependencies, and the conditional write that moves a
 * record forward only from the version it read (a lost race returns undefined and the caller looks again).
 *
 * Must never overwrite a record another writer changed since it was read.
 */
import { ConflictError } from '../errors';
import type { EmitEvent } from '../events/emit-event';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { ObjectStore } from '../ports/object-store';
import type { RecordingStore } from '../ports/recording-store';
import type { Recording } from './recording';

export interface RecordingDeps {
  recordings: RecordingStore;
  objectStore: ObjectStore;
  emit: EmitEvent;
  clock: Clock;
  /** Base URL of the CDN / origin, without a trailing slash. */
  playbackBase: string;
  logger?: Logger;
}

/** Each pass re-reads the record; a handful of lost races is normal, dozens is a bug. */
export const MAX_STEPS = 16;

/** The conditional write every change goes through: the stored record, or undefined when another writer won. */
export async function tryPut(deps: Pick<RecordingDeps, 'recordings' | 'clock'>, current: Recording, next: Recording): Promise<Recording | undefined> {
  const stored: Recording = { ...next, version: current.version + 1, updatedAt: deps.clock.now().toISOString() };
  try {
    await deps.recordings.put(stored, { expectedVersion: current.version });
    return stored;
  } catch (err) {
    if (err instanceof ConflictError) return undefined;
    throw err;
  }
}
