/**
 * Backup ingest across ingest tasks (the NLB put the primary and the backup encoder on different tasks).
 * The task whose feed is on air holds the stream's output lease and writes the playlists; the other task
 * holds its feed in standby. This module carries the facts between them (core/channels/remote-feed.ts):
 *  - standby side: once a second it reports the standby feed's health and reads the hand-over note; a
 *    note naming this feed promotes it (the promoted session then waits for the lease before it writes);
 *  - active side: for each stream on air here whose other feed the record shows connected elsewhere, it
 *    reads that feed's report once a second and asks the same core rule one task uses (decideTakeover)
 *    whether to switch — the active feed starved, or the primary back and steady under policy `revert`.
 *    Then the host writes the note, flushes, releases the lease, and keeps its own feed in standby.
 * A feed that disconnects needs none of this: the record shows it absent, which the standby already follows.
 * Must never: promote a feed on a stale report or a note meant for another standby, or write a playlist
 * (that is the session's, under the lease).
 */
import { decideTakeover, DEFAULT_BACKUP_POLICY, DEFAULT_BACKUP_REVERT_SECONDS, otherRole, STARVED_AFTER_MS, type FeedRole, type Takeover } from '../../../../core/channels/backup-selector';
import { handOverFor, remoteFeedFacts, type HandOverNote } from '../../../../core/channels/remote-feed';
import type { BackupFeedReports } from '../../../../core/ports/backup-feed-reports';
import type { Logger } from '../../../../core/ports/logger';
import type { StreamStore } from '../../../../core/ports/stream-store';
import { isPresent } from '../../../../core/streams/feed-view';
import { hasOpenSession } from '../../../../core/streams/stream';
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';
import type { StandbyFeed } from './standby-feed';

/** The record (other feed present? policy?) of a stream on air here is read this often. */
const RECORD_EVERY_TICKS = 3;

export interface RemoteBackupHost {
  /** The streams on air on this task, with their feed's media health. */
  onAir(): Iterable<{ streamId: string; publish: AcceptedPublish; mediaHealthy(starvedAfterMs: number): boolean }>;
  /** A standby feed of this task for the stream (then the one-task switch decides, not this). */
  hasLocalStandby(streamId: string): boolean;
  /** Give the output up for `takeover` (the note is written already): flush, release, keep the feed in standby. */
  yieldOutput(streamId: string, publish: AcceptedPublish, takeover: Takeover): void;
}

export interface RemoteBackupOptions {
  taskId: string;
  reports: BackupFeedReports;
  store: Pick<StreamStore, 'get'>;
  logger: Logger;
  /** @default 1000 */
  tickMs?: number;
  now?: () => Date;
}

interface OnAirState {
  sessionId: string;
  otherPresent: boolean;
  policy: 'revert' | 'stay';
  revertSeconds: number;
  busy: boolean;
  /** Ticks until the record is read again. */
  recordIn: number;
}

export class RemoteBackup {
  private readonly onAir = new Map<string, OnAirState>();
  private readonly standbySince = new WeakMap<StandbyFeed, Date>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly options: RemoteBackupOptions,
    private readonly host: RemoteBackupHost,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.tickMs ?? 1000);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.onAir.clear();
  }

  /**
   * Standby side, once a second: report this feed's health, and answer the takeover the note asks for
   * (undefined: stay in standby). The caller checked that the session is still this one and open.
   */
  async standbyTick(standby: StandbyFeed): Promise<{ takeover: Takeover; note: HandOverNote } | undefined> {
    const { streamId, sessionId } = standby.publish;
    const role = roleOf(standby.publish);
    const now = this.now();
    if (!this.standbySince.has(standby)) this.standbySince.set(standby, now);
    const nowMs = now.getTime();
    await this.options.reports.report({
      streamId,
      sessionId,
      role,
      taskId: this.options.taskId,
      healthy: standby.health.healthy(nowMs),
      steadyForMs: standby.health.steadyForMs(nowMs),
      reportedAt: now,
    });
    const note = await this.options.reports.note(streamId);
    if (!note || !handOverFor(note, { role, sessionId, standbySince: this.standbySince.get(standby) as Date }, now)) return undefined;
    return { takeover: { from: note.from, to: note.to, reason: note.reason }, note };
  }

  /** The note was acted on: clear it, so it never promotes a later standby. */
  async consumed(note: HandOverNote): Promise<void> {
    await this.options.reports.clearNote(note.streamId, note.at).catch((err: unknown) =>
      this.options.logger.warn('backup: could not clear the hand-over note (it expires instead)', { streamId: note.streamId, error: err instanceof Error ? err.message : String(err) }),
    );
  }

  /** Leaves the note that hands the output of `publish`'s stream to the other task's feed. */
  async handOver(publish: AcceptedPublish, takeover: Takeover): Promise<void> {
    await this.options.reports.handOver({
      streamId: publish.streamId,
      sessionId: publish.sessionId,
      ...takeover,
      byTask: this.options.taskId,
      at: this.now(),
    });
  }

  private async tick(): Promise<void> {
    const seen = new Set<string>();
    for (const active of this.host.onAir()) {
      const { streamId } = active;
      seen.add(streamId);
      let state = this.onAir.get(streamId);
      if (state && state.sessionId !== active.publish.sessionId) state = undefined;
      if (!state) {
        state = { sessionId: active.publish.sessionId, otherPresent: false, policy: DEFAULT_BACKUP_POLICY, revertSeconds: DEFAULT_BACKUP_REVERT_SECONDS, busy: false, recordIn: 0 };
        this.onAir.set(streamId, state);
      }
      if (state.busy || this.host.hasLocalStandby(streamId)) continue;
      state.busy = true;
      const current = state;
      const readRecord = current.recordIn-- <= 0;
      if (readRecord) current.recordIn = RECORD_EVERY_TICKS - 1;
      void this.evaluate(active, current, readRecord)
        .catch((err: unknown) => this.options.logger.warn('backup: could not evaluate the remote standby', { streamId, error: err instanceof Error ? err.message : String(err) }))
        .finally(() => (current.busy = false));
    }
    for (const streamId of this.onAir.keys()) if (!seen.has(streamId)) this.onAir.delete(streamId);
  }

  private async evaluate(active: { streamId: string; publish: AcceptedPublish; mediaHealthy(ms: number): boolean }, state: OnAirState, readRecord: boolean): Promise<void> {
    const { streamId, publish } = active;
    const role = roleOf(publish);
    const other = otherRole(role);
    if (readRecord) {
      const stream = await this.options.store.get(streamId);
      state.otherPresent = !!stream && stream.sessionId === publish.sessionId && hasOpenSession(stream.status) && isPresent(stream.feeds, other);
      state.policy = stream?.backupPolicy ?? DEFAULT_BACKUP_POLICY;
      state.revertSeconds = stream?.backupRevertSeconds ?? DEFAULT_BACKUP_REVERT_SECONDS;
    }
    if (!state.otherPresent) return;
    const report = await this.options.reports.get(streamId, other);
    if (report?.taskId === this.options.taskId) return; // our own old report: that standby is not elsewhere
    const facts = remoteFeedFacts(report, publish.sessionId, this.now());
    // A standby that stopped reporting is not a reason to switch, nor a place to switch to.
    if (!facts.connected) return;
    const takeover = decideTakeover({
      active: role,
      feeds: { [role]: { connected: true, healthy: active.mediaHealthy(STARVED_AFTER_MS), steadyForMs: 0 }, [other]: facts } as Record<FeedRole, typeof facts>,
      policy: state.policy,
      revertSeconds: state.revertSeconds,
    });
    if (!takeover || this.onAir.get(streamId) !== state) return;
    this.options.logger.info('backup: handing the output to the other task', { streamId, ...takeover, to_task: report?.taskId });
    await this.handOver(publish, takeover);
    this.onAir.delete(streamId);
    this.host.yieldOutput(streamId, publish, takeover);
  }
}

function roleOf(publish: Pick<AcceptedPublish, 'role'>): FeedRole {
  return publish.role ?? 'primary';
}
