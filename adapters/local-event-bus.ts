/**
 * The local plane's event bus: the stand-in for EventBridge. Every published event is appended to the
 * event log first (so `GET /v1/events` sees it as soon as `publish` resolves), then handed to each
 * subscriber. A failing subscriber is logged and never blocks the publisher or the others.
 */
import type { StreamplaneEvent } from '../core/events/catalog';
import type { EventLog, EventPublisher } from '../core/ports/event-bus';
import type { Logger } from '../core/ports/logger';

export type EventSubscriber = (event: StreamplaneEvent) => void | Promise<void>;

export class LocalEventBus implements EventPublisher {
  private readonly subscribers = new Set<EventSubscriber>();

  constructor(private readonly log: EventLog, private readonly logger: Logger) {}

  subscribe(subscriber: EventSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  async publish(event: StreamplaneEvent): Promise<void> {
    await this.log.append(event);
    for (const subscriber of this.subscribers) {
      Promise.resolve()
        .then(() => subscriber(event))
        .catch((err: unknown) => this.logger.error('event subscriber failed', { eventId: event.id, type: event.type, error: err instanceof Error ? err : String(err) }));
    }
  }
}
