/**
 * Chooses where a Lambda's events go: EventBridge when EVENT_BUS_NAME is configured (the bus fans them
 * out to webhooks, the event log and the other consumers), otherwise straight into the event log, so
 * a deployment without a bus still records its history. The EventBridge client is only loaded when used.
 */
import type { EventLog, EventPublisher } from '../../core/ports/event-bus';

export async function createEventPublisher(options: { eventBusName?: string; eventLog: EventLog }): Promise<EventPublisher> {
  if (options.eventBusName) {
    const { EventBridgeEventPublisher } = await import('../../adapters/eventbridge-event-publisher');
    return new EventBridgeEventPublisher({ eventBusName: options.eventBusName });
  }
  return eventLogPublisher(options.eventLog);
}

export function eventLogPublisher(eventLog: EventLog): EventPublisher {
  return { publish: (event) => eventLog.append(event) };
}
