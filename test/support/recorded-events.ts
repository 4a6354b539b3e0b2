/**
 * Event test doubles: a publisher that records what was emitted, an in-memory EventLog with the same
 * query semantics as the DynamoDB one, and a manual clock. For unit tests of core and handlers.
 */
import { eventEmitter, type EmitEvent } from '../../core/events/emit-event';
import type { StreamplaneEvent } from '../../core/events/catalog';
import type { Clock } from '../../core/ports/clock';
import type { EventLog, EventPublisher, EventQuery } from '../../core/ports/event-bus';
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

export class MemoryEventLog implements EventLog {
  readonly events: StreamplaneEvent[] = [];

  async append(event: StreamplaneEvent): Promise<void> {
    if (this.events.some((e) => e.id === event.id)) return;
    this.events.push(structuredClone(event));
  }

  async query(query: EventQuery): Promise<StreamplaneEvent[]> {
    let all = query.streamId === undefined ? [...this.events] : this.events.filter((e) => e.streamId === query.streamId).sort((a, b) => a.sequence - b.sequence);
    if (query.after !== undefined) {
      const index = all.findIndex((e) => e.id === query.after);
      all = all.slice(index + 1);
    }
    if (query.types?.length) all = all.filter((e) => query.types?.includes(e.type));
    return query.after !== undefined ? all.slice(0, query.limit) : all.slice(-query.limit);
  }
}

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
