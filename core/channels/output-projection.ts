/**
 * The stream's `output` as a projection of `output.changed` events: the registry consumer applies each one
 * to the stream record. Events of one stream arrive in order of their `sequence`, so an older one (a queue
 * redelivery) never overwrites a newer output. Pure use case over the StreamStore port.
 * Must never: touch anything but `output` and `outputSequence`, or fail on a stream deleted meanwhile.
 */
import type { StreamplaneEvent } from '../events/catalog';
import type { Clock } from '../ports/clock';
import type { StreamStore } from '../ports/stream-store';
import { mutateStream } from '../streams/stream-registry';
import { NotFoundError } from '../errors';

export async function projectOutputEvent(deps: { store: StreamStore; clock: Clock }, event: StreamplaneEvent): Promise<boolean> {
  if (event.type !== 'output.changed' || !event.streamId) return false;
  const { to } = event.data as StreamplaneEvent<'output.changed'>['data'];
  try {
    const changed = await mutateStream(deps, event.streamId, (current) => {
      if ((current.outputSequence ?? -1) >= event.sequence) return undefined;
      return { ...current, output: to, outputSequence: event.sequence };
    });
    return changed !== undefined;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}
