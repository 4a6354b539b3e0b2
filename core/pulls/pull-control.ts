/**
 * Use cases of pulled streams, for the control API and the pull runner: start (idempotent: a pull
 * already queued or running is answered with its state, no second job), end (a queued pull is
 * cancelled, a running one stopped and its session ended), stop every pull, and the runner's state
 * updates. The stream record's `pull` field is the truth every runner reads.
 *
 * Must never: bring a pull the API stopped back to life (runner updates apply only while it is active),
 * or put the source URL into an event or error.
 */
import { ConflictError, StreamDisabledError } from '../errors';
import type { EmitEvent } from '../events/emit-event';
import type { Clock } from '../ports/clock';
import type { PullJobQueue } from '../ports/pull-jobs';
import type { StreamStore } from '../ports/stream-store';
import { hasOpenSession, type Stream } from '../streams/stream';
import { endStreamNow, mutateStream, requireStream, type RegistryDeps } from '../streams/stream-registry';
import { boundedError, isActivePull, type PullState, type PullStatus } from './pull-status';

export interface PullControlDeps extends RegistryDeps {
  pullJobs: PullJobQueue;
}

/** `POST /v1/streams/{id}/start`: queues the pull unless it is already queued or running. */
export async function startPull(deps: PullControlDeps, id: string): Promise<{ stream: Stream; queued: boolean }> {
  const now = deps.clock.now().toISOString();
  const result = await mutateStream(deps, id, (current) => {
    if (!current.source) throw new ConflictError('This stream has no pull source; its encoder pushes to the ingest.');
    if (current.status === 'disabled') throw new StreamDisabledError(current.id);
    if (isActivePull(current.pull)) return undefined;
    return { ...current, pull: { state: 'queued', since: now, attempts: 0 } };
  });
  if (!result) return { stream: await requireStream(deps.store, id), queued: false };
  try {
    await deps.pullJobs.enqueue({ streamId: id, requestedAt: now });
  } catch (err) {
    await updatePull(deps, id, { state: 'failed', lastError: 'The pull could not be queued; try again.' });
    throw err;
  }
  return { stream: result.after, queued: true };
}

/**
 * `POST /v1/streams/{id}/end`: for a pulled stream, stops the pull first (so its runner does not retry
 * what the API ended), then ends the open session as for a push.
 */
export async function endStream(deps: RegistryDeps, id: string): Promise<Stream> {
  const now = deps.clock.now().toISOString();
  const marked = await mutateStream(deps, id, (current) =>
    current.source && isActivePull(current.pull) ? { ...current, pull: { state: 'stopped', since: now, ...(current.pull?.attempts ? { attempts: current.pull.attempts } : {}) } } : undefined,
  );
  const current = marked?.after ?? (await requireStream(deps.store, id));
  if (hasOpenSession(current.status) || !marked) return endStreamNow(deps, id);
  return current;
}

/** `POST /v1/streams/stop-pulls`: stops every queued or running pull; how many it stopped. */
export async function stopAllPulls(deps: RegistryDeps): Promise<{ stopped: number; streamIds: string[] }> {
  const streamIds: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const stream of page.items) {
      if (!stream.source || !isActivePull(stream.pull)) continue;
      await endStream(deps, stream.id);
      streamIds.push(stream.id);
    }
    cursor = page.next;
  } while (cursor);
  return { stopped: streamIds.length, streamIds };
}

export interface PullUpdate {
  state: Exclude<PullState, 'stopped' | 'queued'> | 'stopped';
  attempts?: number;
  lastError?: string;
}

/**
 * A runner's state change. Applies only while the pull is active (not stopped or failed), so a stop
 * from the API always wins; returns the stream after the change, or undefined when it did not apply.
 */
export async function updatePull(deps: { store: StreamStore; clock: Clock }, id: string, update: PullUpdate): Promise<Stream | undefined> {
  const now = deps.clock.now().toISOString();
  try {
    const result = await mutateStream(deps, id, (current) => {
      if (!current.source || !isActivePull(current.pull)) return undefined;
      const previous = current.pull as PullStatus;
      const next: PullStatus = {
        state: update.state,
        since: previous.state === update.state ? previous.since : now,
        ...(update.attempts !== undefined ? { attempts: update.attempts } : previous.attempts !== undefined ? { attempts: previous.attempts } : {}),
      };
      const lastError = update.lastError ?? (update.state === 'pulling' ? undefined : previous.lastError);
      if (lastError !== undefined) next.lastError = boundedError(lastError);
      return { ...current, pull: next };
    });
    return result?.after;
  } catch (err) {
    if ((err as { code?: string }).code === 'not_found') return undefined;
    throw err;
  }
}

/** The runner gave up on a source that never delivered media: `stream.failed`, so nobody waits on it. */
export async function reportPullFailed(deps: { emit: EmitEvent }, streamId: string, error: string, attempts: number): Promise<void> {
  await deps.emit({ type: 'stream.failed', streamId, data: { reason: 'source_unreachable', error: boundedError(error), attempts } });
}
