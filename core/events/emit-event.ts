/**
 * Emitting an event: allocate the stream's next sequence number, build the envelope, hand it to the
 * publisher. The one way events are created, so ids, sequence and validation are the same everywhere.
 */
import { buildEvent, type EventType, type NewEvent, type StreamplaneEvent } from './catalog';
import { newId } from '../ids';
import type { Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-bus';
import type { StreamStore } from '../ports/stream-store';

export type EmitEvent = <T extends EventType>(input: NewEvent<T>) => Promise<StreamplaneEvent<T>>;

export function eventEmitter(deps: { store: Pick<StreamStore, 'nextSequence'>; publisher: EventPublisher; clock: Clock }): EmitEvent {
  return async (input) => {
    const sequence = await deps.store.nextSequence(input.streamId);
    const event = buildEvent(input, { id: newId('event'), time: deps.clock.now(), sequence });
    await deps.publisher.publish(event);
    return event;
  };
}
