/**
 * Failover of lost ingest tasks. A task is lost when the orchestrator reports it stopped or its heartbeat
 * goes stale; the streams its last heartbeat named are then marked interrupted (`publisherGone`, the same
 * step a healthy ingest takes when an encoder drops), which opens their reconnect window. An encoder that
 * reconnects lands on a healthy task and continues the same session. Because the lost task's own window
 * timer died with it, a reconnect deadline is recorded per stream and enforced by `expireReconnectWindows`
 * (run on a schedule): the session ends, and its recording finalizes, only if the stream is still exactly
 * as the failover left it.
 *
 * Pure use cases over ports: no I/O of its own, time from the injected clock. Every step is idempotent, so
 * a duplicated ECS event, a retried queue message and the scheduled sweep may all handle the same task.
 *
 * Must never: end or relabel a session that moved on (reconnected, ended, or carried by a live task).
 */
import { handToStandby, type BackupFailoverDeps } from '../channels/backup-failover';
import type { IngestHeartbeatStore } from '../ports/ingest-heartbeats';
import type { ReconnectDeadline, ReconnectDeadlineStore } from '../ports/reconnect-deadlines';
import { endSession, publisherGone, type SessionDeps } from './publish-session';
import { hasOpenSession, type Stream } from './stream';

export interface FailoverDeps extends SessionDeps {
  heartbeats: IngestHeartbeatStore;
  deadlines: ReconnectDeadlineStore;
  /** Backup ingest across tasks: a lost task's stream whose other encoder waits in standby on a live task goes to it at once. */
  backup?: Pick<BackupFailoverDeps, 'reports' | 'leases'>;
}

export interface FailoverSettings {
  /** A heartbeat older than this means the task is lost. Several heartbeat intervals, so one slow write is no loss. */
  staleAfterMs: number;
}

/** Why a task is considered lost. */
export type LossCause = 'task_stopped' | 'heartbeat_stale';

export type StreamRecovery =
  | { streamId: string; outcome: 'interrupted' | 'ended' | 'already_interrupted' | 'carried_elsewhere' | 'no_open_session' | 'handed_to_standby' }
  | { streamId: string; outcome: 'failed'; error: unknown };

export interface LostTaskReport {
  taskId: string;
  cause: LossCause;
  /** `no_heartbeat`: nothing to recover (already handled, or the task shut down cleanly). `alive`: it beat again. */
  status: 'recovered' | 'incomplete' | 'no_heartbeat' | 'alive';
  streams: StreamRecovery[];
  /** Set when the task could not be looked at all (its streams are retried on the next run). */
  error?: unknown;
}

/** The reason put on `stream.interrupted` and `stream.ended` for sessions of a lost task. */
export const TASK_LOST_REASON = 'task_lost';

/**
 * Recovers the streams of a lost task. The heartbeat is removed only when every stream was handled, so a
 * partial failure is retried (by the queue, or by the next sweep, which still sees the stale heartbeat).
 */
export async function recoverLostTask(deps: FailoverDeps, taskId: string, cause: LossCause, settings: FailoverSettings): Promise<LostTaskReport> {
  const heartbeat = await deps.heartbeats.get(taskId);
  if (!heartbeat) return { taskId, cause, status: 'no_heartbeat', streams: [] };
  const staleBefore = new Date(deps.clock.now().getTime() - settings.staleAfterMs);
  // A stale listing comes from an eventually consistent index; the task may have beaten since.
  if (cause === 'heartbeat_stale' && heartbeat.at.getTime() >= staleBefore.getTime()) return { taskId, cause, status: 'alive', streams: [] };

  // A stream another live task reports carrying has reconnected there; leave it alone.
  const carriedElsewhere = new Set<string>();
  for (const other of await deps.heartbeats.listFresh(staleBefore)) {
    if (other.taskId !== taskId) for (const id of other.streamIds) carriedElsewhere.add(id);
  }

  const streams: StreamRecovery[] = [];
  for (const streamId of new Set(heartbeat.streamIds)) {
    try {
      streams.push({ streamId, outcome: carriedElsewhere.has(streamId) ? 'carried_elsewhere' : await recoverStream(deps, streamId, taskId) });
    } catch (error) {
      streams.push({ streamId, outcome: 'failed', error });
    }
  }
  const complete = streams.every((s) => s.outcome !== 'failed');
  if (complete) await deps.heartbeats.remove(taskId, heartbeat.at);
  return { taskId, cause, status: complete ? 'recovered' : 'incomplete', streams };
}

async function recoverStream(deps: FailoverDeps, streamId: string, taskId: string): Promise<Exclude<StreamRecovery['outcome'], 'failed' | 'carried_elsewhere'>> {
  const stream = await deps.store.get(streamId);
  if (!stream?.sessionId || !hasOpenSession(stream.status)) return 'no_open_session';
  // The other encoder waits in standby on a live task: it takes over now, no reconnect window.
  if (deps.backup && (await handToStandby({ ...deps, ...deps.backup }, stream, taskId))) return 'handed_to_standby';
  const sessionId = stream.sessionId;
  // Interrupted before the task died (its own window timer died with it): only the deadline is missing.
  if (stream.status === 'interrupted') {
    await scheduleDeadline(deps, stream);
    return 'already_interrupted';
  }
  // Without a reconnect window there is nothing to wait for: the session ends now, named for what happened.
  if (stream.reconnectWindowSeconds === 0) return (await endSession(deps, streamId, sessionId, TASK_LOST_REASON)) ? 'ended' : 'no_open_session';
  const gone = await publisherGone(deps, streamId, sessionId, TASK_LOST_REASON);
  if (gone?.ended) return 'ended';
  const after = await deps.store.get(streamId);
  if (after?.status === 'interrupted' && after.sessionId === sessionId) {
    await scheduleDeadline(deps, after);
    return gone ? 'interrupted' : 'already_interrupted';
  }
  // The session moved on between our reads (reconnected elsewhere, ended through the API).
  return 'no_open_session';
}

/** The window counts from the interruption, which is the stream's last write (its `updatedAt`). */
async function scheduleDeadline(deps: FailoverDeps, interrupted: Stream): Promise<void> {
  const interruptedAt = Date.parse(interrupted.updatedAt);
  const from = Number.isFinite(interruptedAt) ? interruptedAt : deps.clock.now().getTime();
  await deps.deadlines.schedule({
    streamId: interrupted.id,
    sessionId: interrupted.sessionId as string,
    version: interrupted.version,
    endAfter: new Date(from + interrupted.reconnectWindowSeconds * 1000),
  });
}

export interface ExpiryReport {
  streamId: string;
  outcome: 'ended' | 'moved_on' | 'failed';
  error?: unknown;
}

/** Ends the sessions whose reconnect deadline passed and that nobody touched since. */
export async function expireReconnectWindows(deps: FailoverDeps): Promise<ExpiryReport[]> {
  const reports: ExpiryReport[] = [];
  for (const deadline of await deps.deadlines.listDue(deps.clock.now())) {
    try {
      const ended = await endIfUnchanged(deps, deadline);
      await deps.deadlines.remove(deadline);
      reports.push({ streamId: deadline.streamId, outcome: ended ? 'ended' : 'moved_on' });
    } catch (error) {
      reports.push({ streamId: deadline.streamId, outcome: 'failed', error });
    }
  }
  return reports;
}

/** The stream must be exactly as the failover left it: same session, still interrupted, same version. */
function endIfUnchanged(deps: FailoverDeps, deadline: ReconnectDeadline): Promise<boolean> {
  return endSession(deps, deadline.streamId, deadline.sessionId, TASK_LOST_REASON, { onlyIfInterrupted: true, expectedVersion: deadline.version });
}

/**
 * The scheduled run: recover every task whose heartbeat went stale, then enforce due deadlines (in this
 * order, so a deadline recorded by this very run with an already expired window is enforced at once).
 */
export async function sweepIngestTasks(deps: FailoverDeps, settings: FailoverSettings): Promise<{ lostTasks: LostTaskReport[]; expiries: ExpiryReport[] }> {
  const staleBefore = new Date(deps.clock.now().getTime() - settings.staleAfterMs);
  const lostTasks: LostTaskReport[] = [];
  for (const stale of await deps.heartbeats.listStale(staleBefore)) {
    try {
      lostTasks.push(await recoverLostTask(deps, stale.taskId, 'heartbeat_stale', settings));
    } catch (error) {
      lostTasks.push({ taskId: stale.taskId, cause: 'heartbeat_stale', status: 'incomplete', streams: [], error });
    }
  }
  const expiries = await expireReconnectWindows(deps);
  return { lostTasks, expiries };
}
