/**
 * What happens to a stream's simulcast targets when the stream is deleted: every target goes, and with
 * it the only copy of its key's ciphertext (the target item holds it; KMS data keys are per target and
 * exist nowhere else). Run by the simulcast cleanup consumer in the cloud and on the local plane's bus.
 * Idempotent: a duplicate `stream.deleted` finds nothing left and deletes nothing.
 *
 * Must never: touch another stream's targets, or stop before every target of the stream is gone (a
 * failing delete throws, so the message is retried).
 */
import type { EventType } from '../events/catalog';
import type { SimulcastTargetStore } from '../ports/simulcast-target-store';

/** The event types the cleanup consumer's rule routes to it. */
export const SIMULCAST_CLEANUP_EVENT_TYPES: ReadonlyArray<EventType> = ['stream.deleted'];

/** Deletes every target of `streamId`; how many were deleted. */
export async function deleteStreamTargets(store: Pick<SimulcastTargetStore, 'list' | 'delete'>, streamId: string): Promise<number> {
  let deleted = 0;
  for (const target of await store.list(streamId)) {
    if (await store.delete(streamId, target.id)) deleted += 1;
  }
  return deleted;
}
