/**
 * Backup ingest on this ingest: holds each stream's standby encoder feed, and once every half second (and
 * when asked) hands the core decision (core/channels/backup-selector.ts) the facts it needs — the active
 * feed's media health, the standby's health and steadiness, the stream's backup policy — and asks the
 * session manager to switch when it says so. The switch itself is the session manager's (a new live
 * session for the promoted feed that continues the stream's playlists as a new generation).
 * Must never: hold two standbys for one stream, or decide for a stream while a switch of it is running.
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
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';
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
}

export class BackupSwitch {
  private readonly standbys = new Map<string, StandbyFeed>();
  private readonly settings = new Map<string, Settings>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: BackupSwitchOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      for (const streamId of this.standbys.keys()) this.evaluate(streamId);
    }, this.options.tickMs ?? 500);
    this.timer.unref();
  }

  standby(streamId: string): StandbyFeed | undefined {
    return this.standbys.get(streamId);
  }

  /** A publish joined (or went back to) standby: read it and measure it. */
  hold(publish: AcceptedPublish): StandbyFeed {
    this.standbys.get(publish.streamId)?.close();
    const feed = new StandbyFeed(publish, this.now);
    feed.start();
    this.standbys.set(publish.streamId, feed);
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
    this.options.logger.info('backup: standby feed gone', { streamId: publish.streamId, role: roleOf(publish) });
    return true;
  }

  /** Takes the standby out to put it on air. */
  take(streamId: string): StandbyFeed | undefined {
    const feed = this.standbys.get(streamId);
    this.standbys.delete(streamId);
    return feed;
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
    if (!standby || !active) return;
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
  }
}

export function roleOf(publish: Pick<AcceptedPublish, 'role'>): FeedRole {
  return publish.role ?? 'primary';
}
