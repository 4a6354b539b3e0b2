/**
 * Publishes events to EventBridge (`EventPublisher`): source `streamplane`, detail-type = event type,
 * detail = the envelope, so rules can route on type and consumers get the catalog's JSON unchanged.
 * PutEvents reports per-entry failures in a 200 response (`FailedEntryCount > 0`, an `ErrorCode` on the
 * entry) that the SDK's retry strategy never sees: a retryable one (throttling, internal failure) is sent
 * again here with backoff; one that stays refused, or is not retryable, is an error — logged, counted
 * (`event_publish_failures`) and thrown to the caller, never dropped.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { setTimeout as delay } from 'node:timers/promises';
import { StreamplaneError } from '../core/errors';
import type { StreamplaneEvent } from '../core/events/catalog';
import type { EventPublisher } from '../core/ports/event-bus';
import { silentLogger, type Logger } from '../core/ports/logger';
import { noopMetrics, type Metrics } from '../core/ports/metrics';

export const EVENT_SOURCE = 'streamplane';

/** Per-entry error codes worth another try: the bus was busy or failed internally, the entry is fine. */
const RETRYABLE_ENTRY_ERRORS = new Set(['ThrottlingException', 'InternalFailure', 'InternalException', 'ServiceUnavailable', 'ServiceUnavailableException', 'LimitExceededException']);

export class EventPublishError extends StreamplaneError {
  override readonly name = 'EventPublishError';
  /** EventBridge's per-entry error code, when it refused the entry. */
  readonly entryErrorCode: string | undefined;
  constructor(message: string, options?: { cause?: unknown; entryErrorCode?: string }) {
    super('internal', message, options);
    this.entryErrorCode = options?.entryErrorCode;
  }
}

export interface EventBridgePublisherOptions {
  eventBusName: string;
  client?: EventBridgeClient;
  logger?: Logger;
  metrics?: Metrics;
  /**
   * Sends of one event when EventBridge refuses its entry with a retryable code (the SDK already retried
   * whole-request errors inside each send). @default 5
   */
  maxAttempts?: number;
  /** First backoff between those sends, doubled each time (with jitter). @default 100 */
  initialDelayMs?: number;
}

export class EventBridgeEventPublisher implements EventPublisher {
  private readonly eventBusName: string;
  private readonly client: EventBridgeClient;
  private readonly logger: Logger;
  private readonly metrics: Metrics;
  private readonly maxAttempts: number;
  private readonly initialDelayMs: number;

  constructor(options: EventBridgePublisherOptions) {
    this.eventBusName = options.eventBusName;
    // More SDK attempts than the default 3: a throttled bus must delay an event, not lose it.
    this.client = options.client ?? new EventBridgeClient({ maxAttempts: 6 });
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? noopMetrics;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.initialDelayMs = options.initialDelayMs ?? 100;
  }

  async publish(event: StreamplaneEvent): Promise<void> {
    const entry: PutEventsRequestEntry = {
      Source: EVENT_SOURCE,
      DetailType: event.type,
      Detail: JSON.stringify(event),
      EventBusName: this.eventBusName,
      Time: new Date(event.time),
    };
    for (let attempt = 1; ; attempt++) {
      let out;
      try {
        out = await this.client.send(new PutEventsCommand({ Entries: [entry] }));
      } catch (err) {
        throw this.failed(new EventPublishError(`Publishing ${event.type} ${event.id} failed.`, { cause: err }), event, attempt);
      }
      if ((out.FailedEntryCount ?? 0) === 0) {
        if (attempt > 1) this.logger.info('events: EventBridge took the event after refusing it', { eventId: event.id, type: event.type, attempts: attempt });
        return;
      }
      const refused = out.Entries?.[0];
      const code = refused?.ErrorCode ?? 'unknown';
      const error = new EventPublishError(`EventBridge refused ${event.type} ${event.id}: ${code} ${refused?.ErrorMessage ?? ''}`.trim(), { entryErrorCode: code });
      if (!RETRYABLE_ENTRY_ERRORS.has(code) || attempt >= this.maxAttempts) throw this.failed(error, event, attempt);
      this.metrics.count('event_publish_retries', 1, { code });
      this.logger.warn('events: EventBridge refused the event; retrying', { eventId: event.id, type: event.type, code, attempt });
      const ceiling = this.initialDelayMs * 2 ** (attempt - 1);
      await delay(Math.round(ceiling / 2 + Math.random() * (ceiling / 2)));
    }
  }

  private failed(error: EventPublishError, event: StreamplaneEvent, attempts: number): EventPublishError {
    // No labels: the alarm on this metric needs one series (the code is in the log line).
    this.metrics.count('event_publish_failures', 1);
    this.logger.error('events: could not publish an event to EventBridge', { eventId: event.id, type: event.type, streamId: event.streamId, attempts, code: error.entryErrorCode ?? 'request', error: error.message });
    return error;
  }
}
