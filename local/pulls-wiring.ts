/**
 * Pull sources on the one-machine plane: the control API's pull-job queue is the ingest's own pull
 * runner (a start goes straight to it, limited to STREAMPLANE_MAX_PULLS), control events reach the
 * runner over the local bus, and pulls that were running when the plane stopped are taken up again at
 * start (as another ingest task takes up an SQS job in the cloud).
 *
 * Must never: start a pull the registry no longer wants (the runner re-reads the record first).
 */
import type { LocalEventBus } from '../adapters/local-event-bus';
import type { Logger } from '../core/ports/logger';
import type { PullJobQueue } from '../core/ports/pull-jobs';
import type { StreamStore } from '../core/ports/stream-store';
import { isActivePull } from '../core/pulls/pull-status';
import type { PullRunner } from '../containers/ingest/src/pulls/pull-runner';

export interface LocalPulls {
  jobs: PullJobQueue;
  /** Re-submits pulls a previous run of the plane left active; how many. */
  recoverPending(): Promise<number>;
  close(): void;
}

export function wireLocalPulls(options: { runner: PullRunner; store: StreamStore; bus: LocalEventBus; logger: Logger }): LocalPulls {
  const { runner, store, bus, logger } = options;
  const unsubscribe = bus.subscribe((event) => runner.onEvent(event));
  return {
    jobs: {
      async enqueue(job) {
        runner.submit(job);
      },
    },
    async recoverPending() {
      let cursor: string | undefined;
      let count = 0;
      do {
        const page = await store.list({ limit: 100, ...(cursor ? { cursor } : {}) });
        for (const stream of page.items) {
          if (!stream.source || !isActivePull(stream.pull)) continue;
          runner.submit({ streamId: stream.id, requestedAt: stream.pull?.since ?? stream.updatedAt });
          count++;
        }
        cursor = page.next;
      } while (cursor);
      if (count > 0) logger.info('pull: resumed pulls left active by the previous run', { count });
      return count;
    },
    close: unsubscribe,
  };
}
