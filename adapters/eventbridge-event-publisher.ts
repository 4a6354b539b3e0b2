/**
 * Publishes events to EventBridge (`EventPublisher`): source `streamplane`, detail-type = event type,
 * detail = the envelope, so rules can route on type and consumers get the catalog's JSON unchanged.
 * PutEvents reports per-entry failures in a 200 response; those are errors here, never dropped.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { StreamplaneError } from '../core/errors';
import type { StreamplaneEvent } from '../core/events/catalog';
import type { EventPublisher } from '../core/ports/event-bus';

export const EVENT_SOURCE = 'streamplane';

export class EventPublishError extends StreamplaneError {
  override readonly name = 'EventPublishError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('internal', message, options);
  }
}

export class EventBridgeEventPublisher implements EventPublisher {
  private readonly eventBusName: string;
  private readonly client: EventBridgeClient;

  constructor(options: { eventBusName: string; client?: EventBridgeClient }) {
    this.eventBusName = options.eventBusName;
    this.client = options.client ?? new EventBridgeClient({});
  }

  async publish(event: StreamplaneEvent): Promise<void> {
    let out;
    try {
      out = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: EVENT_SOURCE,
              DetailType: event.type,
              Detail: JSON.stringify(event),
              EventBusName: this.eventBusName,
              Time: new Date(event.time),
            },
          ],
        }),
      );
    } catch (err) {
      throw new EventPublishError(`Publishing ${event.type} ${event.id} failed.`, { cause: err });
    }
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new EventPublishError(`EventBridge refused ${event.type} ${event.id}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}
