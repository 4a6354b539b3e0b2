import type { StreamplaneEvent } from '../events/catalog';

/** Where emitted events go: EventBridge in the cloud, the in-process bus locally. */
export interface EventPublisher {
  publish(event: StreamplaneEvent): Promise<void>;
}

export interface EventQuery {
  streamId?: string;
  /** Only events after this event id (exclusive), in the order they were appended. */
  after?: string;
  types?: ReadonlyArray<string>;
  limit: number;
}

/** A queryable log of recent events (the `/v1/events` API). */
export interface EventLog {
  append(event: StreamplaneEvent): Promise<void>;
  query(query: EventQuery): Promise<StreamplaneEvent[]>;
}
