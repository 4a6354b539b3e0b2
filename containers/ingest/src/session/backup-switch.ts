/**
 * Backup ingest on this ingest: holds each stream's standby encoder feed, and once every half second (and
 * when asked) hands the core decision (core/channels/backup-selector.ts) the facts it needs — the active
 * feed's media health, the standby's health and steadiness, the stream's backup policy — and asks the
 * session manager to switch when it says so. The switch itself is the session manager's (a new live
 * session for the promoted feed that continues the stream's playlists as a new generation).
 * A standby whose active feed is not on this ingest (the cloud: the two encoders landed on different
 * tasks) is promoted when the stream record shows the other feed absent — the active task recorded its
 * publisher leaving and stopped writing — or when that task's hand-over note names it (remote-backup.ts:
 * the feed there starved, or the primary here is back steadily); the promoted session writes only once it
 * holds the output lease.
 * Must never: hold two standbys for one stream, or promote a standby while the record shows the other
 * feed still connected somewhere (two tasks would append to one playlist).
 */
import {
  decideTakeover,
  DEFAULT_BACKUP_POLICY,
  DEFAULT_BACKUP_REVERT_SECONDS,
  otherRole,
  STARVED_AFTER_MS,
  type BackupPolicy,
  type FeedFacts,
  type FeedRole,
  type Takeover,
} from '../../../../core/channels/backup-selector';
import type { Logger } from '../../../../core/ports/logger';
import type { StreamStore } from '../../../../core/ports/stream-store';
import { isPresent } from '../../../../core/streams/feed-view';
import { hasOpenSession } from '../../../../core/streams/stream';
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';
import type { RemoteBackup } from './remote-backup';
import { StandbyFeed } from './standby-feed';

/** What the switch needs of the session manager. */
export interface BackupSwitchHost {
  /** The active feed's session on this ingest: its publish and whether its media flows. */
  active(streamId: string): { publish: AcceptedPublish; mediaHealthy(starvedAfterMs: number): boolean } | undefined;
  /** Put `standby` on air (it was taken out of this switch already). */
  promote(streamId: string, standby: StandbyFeed, takeover: Takeover): void;
}

interface Settings {
  policy: BackupPolicy;
  revertSeconds: number;
}

export interface BackupSwitchOptions {
  store: Pick<StreamStore, 'get'>;
  host: BackupSwitchHost;
  logger: Logger;
  /** @default 500 */
  tickMs?: number;
  now?: () => number;
  /**
   * The cloud: a remote standby also reports its health and follows the hand-over note of the task on air
   * (session/remote-backup.ts), so a starved or replaced feed there hands over too, not only a gone one.
   */
  remote?: RemoteBackup;
}

export class BackupSwitch {
  private readonly standbys = new Map<string, StandbyFeed>();
  private readonly settings = new Map<string, Settings>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Standbys whose active feed is elsewhere, and whether a read of their record is under way. */
  private readonly remote = new Map<string, boolean>();

  constructor(private readonly options: BackupSwitchOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    let ticks = 0;
    this.timer ??= setInterval(() => {
      ticks++;
      for (const streamId of this.standbys.keys()) {
        // A remote standby costs a registry read: once a second.
        if (this.remote.has(streamId)) {
          if (ticks % 2 === 0) void this.checkRemote(streamId);
        } else this.evaluate(streamId);
      }
    }, this.options.tickMs ?? 500);
    this.timer.unref();
  }

  standby(streamId: string): StandbyFeed | undefined {
    return this.standbys.get(streamId);
  }

  /** A publish joined (or went back to) standby: read it and measure it. */
  hold(publish: AcceptedPublish, options: { remote?: boolean } = {}): StandbyFeed {
    this.standbys.get(publish.streamId)?.close();
    const feed = new StandbyFeed(publish, this.now);
    feed.start();
    this.standbys.set(publish.streamId, feed);
    if (options.remote) {
      this.remote.set(publish.streamId, false);
      void this.checkRemote(publish.streamId);
    } else this.remote.delete(publish.streamId);
    void this.refresh(publish.streamId);
    this.options.logger.info('backup: feed in standby', { streamId: publish.streamId, role: roleOf(publish) });
    return feed;
  }

  /** The standby's publisher went away: true when `publish` was the standby here (viewers see nothing). */
  release(publish: AcceptedPublish): boolean {
    const feed = this.standbys.get(publish.streamId);
    if (!feed || feed.publish !== publish) return false;
    feed.close();
    this.standbys.delete(publish.streamId);
    this.remote.delete(publish.streamId);
    this.options.logger.info('backup: standby feed gone', { streamId: publish.streamId, role: roleOf(publish) });
    return true;
  }

  /** Takes the standby out to put it on air. */
  take(streamId: string): StandbyFeed | undefined {
    const feed = this.standbys.get(streamId);
    this.standbys.delete(streamId);
    this.remote.delete(streamId);
    return feed;
  }

  /** A standby whose active feed is elsewhere: promote it once the record shows that feed gone. */
  async checkRemote(streamId: string): Promise<void> {
    const standby = this.standbys.get(streamId);
    if (!standby || this.remote.get(streamId) !== false || this.options.host.active(streamId)) return;
    this.remote.set(streamId, true);
    try {
      const stream = await this.options.store.get(streamId);
      if (this.standbys.get(streamId) !== standby || this.options.host.active(streamId)) return;
      const role = roleOf(standby.publish);
      const from = otherRole(role);
      if (!stream || stream.sessionId !== standby.publish.sessionId || !hasOpenSession(stream.status)) return;
      if (!isPresent(stream.feeds, from)) {
        this.take(streamId);
        this.options.host.promote(streamId, standby, { from, to: role, reason: 'disconnected' });
        return;
      }
      const handed = await this.options.remote?.standbyTick(standby);
      if (!handed || this.standbys.get(streamId) !== standby || this.options.host.active(streamId)) return;
      this.take(streamId);
      this.options.host.promote(streamId, standby, handed.takeover);
      void this.options.remote?.consumed(handed.note);
    } catch (err) {
      this.options.logger.warn('backup: could not read the stream for a standby feed', { streamId, error: err instanceof Error ? err.message : String(err) });
    } finally {
      if (this.remote.has(streamId)) this.remote.set(streamId, false);
    }
  }

  /** The stream's settings changed (`stream.updated`): re-read its policy. */
  async refresh(streamId: string): Promise<void> {
    const stream = await this.options.store.get(streamId).catch(() => undefined);
    if (!stream) return;
    this.settings.set(streamId, { policy: stream.backupPolicy ?? DEFAULT_BACKUP_POLICY, revertSeconds: stream.backupRevertSeconds ?? DEFAULT_BACKUP_REVERT_SECONDS });
  }

  /** Asks the core decision for one stream and switches when it says so. */
  evaluate(streamId: string): void {
    const standby = this.standbys.get(streamId);
    const active = this.options.host.active(streamId);
    if (!standby || !active || this.remote.has(streamId)) return;
    const now = this.now();
    const activeRole = roleOf(active.publish);
    const standbyRole = roleOf(standby.publish);
    if (standbyRole !== otherRole(activeRole)) return;
    const facts: Record<FeedRole, FeedFacts> = {
      [activeRole]: { connected: true, healthy: active.mediaHealthy(STARVED_AFTER_MS), steadyForMs: 0 },
      [standbyRole]: { connected: true, healthy: standby.health.healthy(now), steadyForMs: standby.health.steadyForMs(now) },
    } as Record<FeedRole, FeedFacts>;
    const settings = this.settings.get(streamId) ?? { policy: DEFAULT_BACKUP_POLICY, revertSeconds: DEFAULT_BACKUP_REVERT_SECONDS };
    const takeover = decideTakeover({ active: activeRole, feeds: facts, policy: settings.policy, revertSeconds: settings.revertSeconds });
    if (!takeover) return;
    this.standbys.delete(streamId);
    this.options.host.promote(streamId, standby, takeover);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const feed of this.standbys.values()) feed.close();
    this.standbys.clear();
    this.remote.clear();
  }
}

export function roleOf(publish: Pick<AcceptedPublish, 'role'>): FeedRole {
  return publish.role ?? 'primary';
}
