/**
 * Backup ingest: which of a stream's two encoder feeds (primary, backup) feeds its output. A pure decision
 * from facts the ingest measures — each feed connected or not, when its media last arrived and since when
 * it has arrived steadily — and the stream's `backupPolicy` / `backupRevertSeconds`. The ingest's
 * session manager asks it once a second and on every connect or disconnect, and switches feeds after it.
 * Must never: switch away from a feed that still sends to one that is not connected or sends no media
 * (that would take a working output off the air), or revert before the primary has been steady for the whole revert delay.
 */

export const FEED_ROLES = ['primary', 'backup'] as const;
export type FeedRole = (typeof FEED_ROLES)[number];

export const BACKUP_POLICIES = ['revert', 'stay'] as const;
export type BackupPolicy = (typeof BACKUP_POLICIES)[number];
export const DEFAULT_BACKUP_POLICY: BackupPolicy = 'revert';
export const DEFAULT_BACKUP_REVERT_SECONDS = 10;
export const MAX_BACKUP_REVERT_SECONDS = 3600;

export const TAKEOVER_REASONS = ['disconnected', 'starved', 'reverted'] as const;
export type TakeoverReason = (typeof TAKEOVER_REASONS)[number];

/** No media for this long: the feed is starved (the 2 s). */
export const STARVED_AFTER_MS = 2_000;

/** The RTMP app of each role: `rtmp://HOST:PORT/live/KEY` and `rtmp://HOST:PORT/live-backup/KEY`. */
export const ROLE_APPS: Readonly<Record<FeedRole, string>> = { primary: 'live', backup: 'live-backup' };

export function roleOfApp(app: string): FeedRole | undefined {
  return app === ROLE_APPS.primary ? 'primary' : app === ROLE_APPS.backup ? 'backup' : undefined;
}

export function otherRole(role: FeedRole): FeedRole {
  return role === 'primary' ? 'backup' : 'primary';
}

/**
 * Media health of one feed: when media last arrived and since when without a starvation-long hole. Fed
 * with the times media arrives (the caller's clock, so it stays pure).
 */
export class FeedHealth {
  private lastMediaAtMs: number | undefined;
  private steadySinceMs: number | undefined;

  constructor(private readonly starvedAfterMs = STARVED_AFTER_MS) {}

  onMedia(nowMs: number): void {
    if (this.lastMediaAtMs === undefined || nowMs - this.lastMediaAtMs > this.starvedAfterMs) this.steadySinceMs = nowMs;
    this.lastMediaAtMs = nowMs;
  }

  /** Media arrived within the starvation limit. */
  healthy(nowMs: number): boolean {
    return this.lastMediaAtMs !== undefined && nowMs - this.lastMediaAtMs <= this.starvedAfterMs;
  }

  /** How long the feed has sent media steadily (0 while starved or before any media). */
  steadyForMs(nowMs: number): number {
    return this.healthy(nowMs) && this.steadySinceMs !== undefined ? nowMs - this.steadySinceMs : 0;
  }

  get sinceLastMedia(): number | undefined {
    return this.lastMediaAtMs;
  }
}

export interface FeedFacts {
  connected: boolean;
  /** Media within the starvation limit. */
  healthy: boolean;
  /** Milliseconds of steady media (see FeedHealth.steadyForMs). */
  steadyForMs: number;
}

export interface BackupInputs {
  /** The feed on air now (undefined: none of them, nothing to decide). */
  active: FeedRole | undefined;
  feeds: Readonly<Record<FeedRole, FeedFacts>>;
  policy: BackupPolicy;
  revertSeconds: number;
}

export interface Takeover {
  from: FeedRole;
  to: FeedRole;
  reason: TakeoverReason;
}

/** The switch to make now, or undefined when the feed on air stays. */
export function decideTakeover(inputs: BackupInputs): Takeover | undefined {
  const from = inputs.active;
  if (!from) return undefined;
  const to = otherRole(from);
  const current = inputs.feeds[from];
  const other = inputs.feeds[to];
  const otherUsable = other.connected && other.healthy;
  // A gone feed gives viewers nothing: any connected standby is better (it may still be starting to send).
  if (!current.connected) return other.connected ? { from, to, reason: 'disconnected' } : undefined;
  if (!current.healthy) return otherUsable ? { from, to, reason: 'starved' } : undefined;
  if (from === 'backup' && inputs.policy === 'revert' && otherUsable && other.steadyForMs >= inputs.revertSeconds * 1000) {
    return { from, to, reason: 'reverted' };
  }
  return undefined;
}
