/**
 * Event test doubles: a publisher that records what was emitted, the in-memory EventLog (memory-event-log.ts,
 * same query semantics as the DynamoDB one), and a manual clock. For unit tests of core and handlers.
 */
import { eventEmitter, type EmitEvent } from '../../core/events/emit-event';
import type { StreamplaneEvent } from '../../core/events/catalog';
import type { Clock } from '../../core/ports/clock';
import type { EventLog, EventPublisher } from '../../core/ports/event-bus';
import type { StreamStore } from '../../core/ports/stream-store';

export class ManualClock implements Clock {
  private time: number;
  constructor(start = '2025-01-01T00:00:00.000Z') {
    this.time = Date.parse(start);
  }
  now(): Date {
    return new Date(this.time);
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export { MemoryEventLog } from './memory-event-log';

/** An emitter that records every event (and appends it to `log` when given, like the local bus). */
export function recordingEmitter(store: Pick<StreamStore, 'nextSequence'>, clock: Clock, log?: EventLog): { emit: EmitEvent; events: StreamplaneEvent[] } {
  const events: StreamplaneEvent[] = [];
  const publisher: EventPublisher = {
    async publish(event) {
      events.push(event);
      await log?.append(event);
    },
  };
  return { emit: eventEmitter({ store, publisher, clock }), events };
}
