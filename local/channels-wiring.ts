/**
 * 24/7 channels on one machine: the stream's `output` projected from `output.changed` (as the registry's
 * event consumer does in the cloud), the channel director hearing settings changes from the bus, and, at
 * plane start, every stream without a publisher getting its fallback.
 * Must never: block the bus (projection and director work run detached, errors logged).
 */
import { projectOutputEvent } from '../core/channels/output-projection';
import type { StreamplaneEvent } from '../core/events/catalog';
import type { Logger } from '../core/ports/logger';
import { systemClock } from '../core/ports/clock';
import type { StreamStore } from '../core/ports/stream-store';
import type { ChannelDirector } from '../containers/ingest/src/feeds/channel-director';

export function wireLocalChannels(deps: { bus: { subscribe(subscriber: (event: StreamplaneEvent) => void): () => void }; store: StreamStore; director: ChannelDirector | undefined; logger: Logger }): { start(): Promise<void>; close(): void } {
  const unsubscribe = deps.bus.subscribe((event) => {
    if (event.type === 'output.changed') {
      void projectOutputEvent({ store: deps.store, clock: systemClock }, event).catch((err: unknown) =>
        deps.logger.warn('plane: could not update the stream\'s output', { eventId: event.id, error: err instanceof Error ? err.message : String(err) }),
      );
    }
    deps.director?.onEvent(event);
  });
  return {
    start: async () => {
      await deps.director?.syncAll().catch((err: unknown) => deps.logger.error('plane: could not start the channels\' fallback', { error: err instanceof Error ? err : String(err) }));
    },
    close: unsubscribe,
  };
}
