/**
 * Failover of a lost ingest task whose stream has its other encoder in standby on a live task (backup
 * ingest across tasks): instead of interrupting the session and waiting for a reconnect, the lost task's
 * feed is recorded absent — which the standby's task follows at once (session/backup-switch.ts) — and
 * the lost task's output lease is released, so the standby's session takes the playlists over without
 * waiting for the lease to expire. Called by core/streams/failover.ts for each stream of a lost task.
 *
 * Must never: hand over to a standby whose report is stale or from the lost task itself (it would be a
 * feed nobody carries), release a lease that a live task holds, or touch a session that moved on.
 */
import { leaseHolder } from '../leases/output-lease';
import type { BackupFeedReports } from '../ports/backup-feed-reports';
import type { OutputLeaseStore } from '../ports/output-lease';
import type { SessionDeps } from '../streams/publish-session';
import { hasOpenSession, type Stream } from '../streams/stream';
import { leaveFeed } from '../streams/stream-feeds';
import { otherRole, type FeedRole } from './backup-selector';
import { remoteFeedFacts } from './remote-feed';

export interface BackupFailoverDeps extends SessionDeps {
  reports: Pick<BackupFeedReports, 'get'>;
  leases: Pick<OutputLeaseStore, 'get' | 'release'>;
}

/**
 * True when the stream was handed to its standby feed (the session stays open and fed); false when there
 * is no usable standby elsewhere, and the ordinary failover (interrupt, reconnect window) applies.
 */
export async function handToStandby(deps: BackupFailoverDeps, stream: Stream, lostTaskId: string): Promise<boolean> {
  if (!stream.sessionId || !hasOpenSession(stream.status) || stream.status === 'interrupted') return false;
  const active = (['primary', 'backup'] as const).find((role: FeedRole) => stream.feeds?.[role]?.state === 'active');
  if (!active) return false;
  const standbyRole = otherRole(active);
  if (stream.feeds?.[standbyRole]?.state !== 'standby') return false;
  const now = deps.clock.now();
  const report = await deps.reports.get(stream.id, standbyRole);
  if (!report || report.taskId === lostTaskId || !remoteFeedFacts(report, stream.sessionId, now).connected) return false;
  // The lost task cannot renew any more: its lease goes now, not when it expires.
  const lease = await deps.leases.get(stream.id);
  if (lease && !lease.released && lease.holder === leaseHolder(lostTaskId, 'live')) {
    await deps.leases.release({ streamId: stream.id, holder: lease.holder, generation: lease.generation }, now);
  }
  return leaveFeed(deps, stream.id, stream.sessionId, active);
}
