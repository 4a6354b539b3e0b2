/**
 * Keeps the ingest's live sessions: starts one per accepted publish, flushes it when the publisher goes,
 * and ends the stream's session once its reconnect window expires without a reconnect. Also reacts to
 * control events (stream disabled, deleted or ended through the API) by closing the publisher, and on
 * start-up takes over sessions left open by a previous run of the plane.
 *
 * Backup ingest: a second encoder of the stream (the other role) is held in standby (backup-switch.ts);
 * when the active one disconnects or starves, or the primary is back steadily, the standby is promoted:
 * a new live session of the same session id that continues the playlists as a new generation.
 *
 * Must never: end a session that a reconnect has resumed (every end is conditional on the session id),
 * interrupt a session while its other encoder is still connected, or keep two transcoders for one
 * stream (during a switch the old one is stopped before the new one writes to the playlists).
 */
import type { StreamplaneEvent } from '../../../../core/events/catalog';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { endSession, publisherGone, type SessionDeps } from '../../../../core/streams/publish-session';
import { hasOpenSession } from '../../../../core/streams/stream';
import { finalizeLivePlaylists } from '../packager/finalize';
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';
import type { LiveSession } from './live-session';
import type { EmitEvent } from '../../../../core/events/emit-event';
import type { Takeover } from '../../../../core/channels/backup-selector';
import { leaveFeed, recordTakeover } from '../../../../core/streams/stream-feeds';
import type { LadderPlan } from '../../../../core/transcode/ladder';
import { BackupSwitch, roleOf } from './backup-switch';
import { RemoteBackup } from './remote-backup';
import type { BackupFeedReports } from '../../../../core/ports/backup-feed-reports';
import type { StandbyFeed } from './standby-feed';

/**
 * Backup ingest: the session a switch creates hands over like a channel takeover — `stopPrevious` is
 * awaited once its first segment exists, before its packager resumes the playlists; `plan` is the
 * ladder the output already has (the master playlist never changes at a switch).
 */
export interface FeedHandover {
  stopPrevious(): Promise<void>;
  plan: LadderPlan | undefined;
}

export type LiveSessionFactory = (publish: AcceptedPublish, handover?: FeedHandover) => LiveSession;

export interface SessionManagerOptions {
  sessionDeps: SessionDeps;
  objectStore: ObjectStore;
  logger: Logger;
  metrics: Metrics;
  createSession: LiveSessionFactory;
  /** Closes the current publisher of a stream, if this ingest has one. */
  disconnect(streamId: string): void;
  /**
   * A session ended and every segment this ingest had for it is stored: queue the finalization of its
   * recording (a session that was not recorded is ignored by the finalizer). Called once per end seen
   * here; duplicates are harmless.
   */
  onSessionEnded?(ended: { streamId: string; sessionId: string }): Promise<void>;
  /**
   * 24/7 channels (containers/ingest/src/feeds/channel-director.ts): hears when a publish is accepted, when
   * its publisher is gone with the reconnect window open (the slate), and when the session ended — true
   * then means a fallback carries on, so the live playlists are not closed.
   */
  channel?: {
    accepted(streamId: string): void;
    interrupted(streamId: string): Promise<void>;
    sessionEnded(streamId: string): Promise<boolean>;
  };
  /** Backup ingest: where `stream.takeover` goes. Without it takeovers still happen, unannounced. */
  emit?: EmitEvent;
  /** Backup ingest: a takeover put `publish` on air (simulcast relays follow it). */
  onTakeover?(publish: AcceptedPublish): void;
  /**
   * The cloud: the stream's output lease, which the live sessions claim before they write (ingest-app.ts);
   * the manager releases it once this task stopped writing a stream's playlists, so another task's
   * session (a reconnect there, or the other encoder's feed) can take them over.
   */
  output?: { claim(streamId: string): Promise<void>; release(streamId: string): Promise<void> };
  /** The cloud: backup ingest across tasks (session/remote-backup.ts): this task's id and the feed reports. */
  remoteBackup?: { taskId: string; reports: BackupFeedReports; tickMs?: number };
}

export class SessionManager {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly endTimers = new Map<string, NodeJS.Timeout>();
  /** Work a publisher's exit or an end timer started (state writes, playlist closing): `close` waits for it. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;
  /** Publishers that went away (a feed yielding across tasks must not go back to standby then). */
  private readonly gone = new WeakSet<AcceptedPublish>();
  /** Backup ingest: the standby feeds and the switch decisions. */
  readonly backup: BackupSwitch;
  private readonly remote: RemoteBackup | undefined;

  constructor(private readonly options: SessionManagerOptions) {
    this.remote = options.remoteBackup
      ? new RemoteBackup(
          { ...options.remoteBackup, store: options.sessionDeps.store, logger: options.logger },
          {
            onAir: () => [...this.sessions].map(([streamId, session]) => ({ streamId, publish: session.publish, mediaHealthy: (ms: number) => session.mediaHealthy(ms) })),
            hasLocalStandby: (streamId) => this.backup.standby(streamId) !== undefined,
            yieldOutput: (streamId, publish, takeover) => void this.track(this.yieldOutput(streamId, publish, takeover)),
          },
        )
      : undefined;
    this.remote?.start();
    this.backup = new BackupSwitch({
      store: options.sessionDeps.store,
      logger: options.logger,
      ...(this.remote ? { remote: this.remote } : {}),
      host: {
        active: (streamId) => this.sessions.get(streamId),
        promote: (streamId, standby, takeover) => this.switchFeeds(streamId, standby, takeover),
      },
    });
    this.backup.start();
  }

  get liveCount(): number {
    return this.sessions.size;
  }

  session(streamId: string): LiveSession | undefined {
    return this.sessions.get(streamId);
  }

  /** Streams this ingest answers for: live here, or inside a reconnect window it is timing. */
  carriedStreamIds(): string[] {
    return [...new Set([...this.sessions.keys(), ...this.endTimers.keys()])].sort();
  }

  /**
   * Where no bus reaches the ingest (the cloud), control changes are found by reading the registry: a
   * stream that was deleted, disabled, ended or given a new session loses its publisher here.
   */
  async reconcile(): Promise<number> {
    let cut = 0;
    for (const [streamId, session] of this.sessions) {
      const stream = await this.options.sessionDeps.store.get(streamId);
      if (stream && hasOpenSession(stream.status) && stream.sessionId === session.sessionId) continue;
      this.options.logger.info('session: stream no longer allows this publish; disconnecting', { streamId, status: stream?.status ?? 'deleted' });
      this.options.disconnect(streamId);
      cut++;
    }
    return cut;
  }

  onAccepted(publish: AcceptedPublish): void {
    this.cancelEnd(publish.streamId);
    if (publish.standby) {
      // Backup ingest: the other encoder is on air — here, or on another ingest task (cloud), or it just
      // left. This one waits in standby, untranscoded; without the active feed here the switch follows the
      // stream record and promotes it once the other feed is absent there.
      this.backup.hold(publish, { remote: !this.sessions.has(publish.streamId) });
      return;
    }
    this.options.channel?.accepted(publish.streamId);
    const previous = this.stopping.get(publish.streamId) ?? Promise.resolve();
    const session = this.options.createSession(publish);
    this.sessions.set(publish.streamId, session);
    this.updateGauge();
    // A reconnect may arrive while the previous run still flushes: start once it is done.
    // Low-latency sessions take the output lease before they start (the others inside, at their first segment).
    void previous
      .then(() => (publish.latencyMode === 'low' ? this.options.output?.claim(publish.streamId) : undefined))
      .then(() => {
        if (this.sessions.get(publish.streamId) === session) session.start();
      });
  }

  /** The publisher went away (also one whose handoff never reached the RTMP leg: only the ids are known). */
  onGone(publish: Pick<AcceptedPublish, 'streamId' | 'sessionId'>): Promise<void> {
    return this.track(this.handleGone(publish));
  }

  private async handleGone(publish: Pick<AcceptedPublish, 'streamId' | 'sessionId'> | AcceptedPublish): Promise<void> {
    if (isAccepted(publish)) {
      this.gone.add(publish);
      if (this.backup.release(publish)) {
        // The standby left: nothing changes for viewers.
        await leaveFeed(this.options.sessionDeps, publish.streamId, publish.sessionId, roleOf(publish)).catch((err: unknown) => this.logError('could not record the standby feed leaving', publish.streamId, err));
        return;
      }
      const active = this.sessions.get(publish.streamId);
      // Neither on air nor in standby here (a switch already replaced it): nothing to do.
      if (active && active.publish !== publish) return;
      const leave = () =>
        leaveFeed(this.options.sessionDeps, publish.streamId, publish.sessionId, roleOf(publish)).catch((err: unknown) => {
          this.logError('could not record the feed leaving', publish.streamId, err);
          return false;
        });
      if (active && this.backup.standby(publish.streamId)) {
        const othersPresent = await leave();
        const standby = othersPresent ? this.backup.take(publish.streamId) : undefined;
        if (standby) {
          this.switchFeeds(publish.streamId, standby, { from: roleOf(publish), to: roleOf(standby.publish), reason: 'disconnected' });
          return;
        }
      } else if (active) {
        // The other encoder, if any, waits elsewhere (another task) and takes over once the record says this
        // feed is gone: flush first, so that its packager resumes only after this one wrote its last segment.
        this.sessions.delete(publish.streamId);
        this.updateGauge();
        // The cloud: the note lets that task start its transcoder while this one flushes (the lease keeps
        // its packager waiting until the release below).
        const role = roleOf(publish);
        void this.remote?.handOver(publish, { from: role, to: role === 'primary' ? 'backup' : 'primary', reason: 'disconnected' }).catch((err: unknown) => this.logError('could not leave the hand-over note', publish.streamId, err));
        await this.stopSession(publish.streamId, active);
        await this.releaseOutput(publish.streamId);
        if (await leave()) return;
      } else if (await leave()) return;
    }
    const { streamId, sessionId } = publish;
    const session = this.sessions.get(streamId);
    if (session) {
      this.sessions.delete(streamId);
      this.updateGauge();
      const stopped = session.stop({ endList: false });
      this.stopping.set(streamId, stopped);
      await stopped.finally(() => this.stopping.delete(streamId));
      // A reconnect may land on another task: it takes the playlists over once this one let them go.
      await this.releaseOutput(streamId);
    }
    if (this.closed) return;
    const outcome = await publisherGone(this.options.sessionDeps, streamId, sessionId, 'publisher disconnected');
    if (!outcome) {
      // Ended by control (API end, disable, delete) while this publisher was on: its media is stored now.
      if (await this.sessionClosed(streamId, sessionId)) await this.finalize(streamId, sessionId);
      return;
    }
    if (outcome.ended) await this.finalize(streamId, sessionId);
    else {
      this.scheduleEnd(streamId, sessionId, outcome.reconnectWindowSeconds * 1000);
      // Unless a reconnect came first: then the new session's takeover decides.
      if (!this.sessions.has(streamId)) await this.options.channel?.interrupted(streamId).catch((err: unknown) => this.options.logger.error('session: could not start the reconnect slate', { streamId, error: err instanceof Error ? err : String(err) }));
    }
  }

  /** Control events from the bus: a stream that may no longer publish loses its publisher. */
  onEvent(event: StreamplaneEvent): void {
    if (!event.streamId) return;
    if (event.type === 'stream.updated' && this.backup.standby(event.streamId)) void this.backup.refresh(event.streamId);
    if (event.type === 'stream.disabled' || event.type === 'stream.deleted' || (event.type === 'stream.ended' && isEndedByControl(event))) {
      this.cancelEnd(event.streamId);
      this.options.disconnect(event.streamId);
      if (event.type === 'stream.ended' && !this.sessions.has(event.streamId) && event.sessionId) void this.track(this.finalize(event.streamId, event.sessionId));
    }
  }

  /** Sessions a previous run left open have no publisher here any more: interrupt them and time them out. */
  async recoverOrphans(): Promise<number> {
    const { store, clock } = this.options.sessionDeps;
    let cursor: string | undefined;
    let recovered = 0;
    do {
      const page = await store.list({ limit: 100, ...(cursor ? { cursor } : {}) });
      for (const stream of page.items) {
        if (!hasOpenSession(stream.status) || !stream.sessionId || this.sessions.has(stream.id)) continue;
        recovered++;
        const sessionId = stream.sessionId;
        if (stream.status === 'interrupted') {
          const since = clock.now().getTime() - Date.parse(stream.updatedAt);
          this.scheduleEnd(stream.id, sessionId, Math.max(0, stream.reconnectWindowSeconds * 1000 - since));
        } else {
          const outcome = await publisherGone(this.options.sessionDeps, stream.id, sessionId, 'ingest restarted');
          if (outcome?.ended) await this.finalize(stream.id, sessionId);
          else if (outcome) this.scheduleEnd(stream.id, sessionId, outcome.reconnectWindowSeconds * 1000);
        }
      }
      cursor = page.next;
    } while (cursor);
    return recovered;
  }

  /** Flushes every live session. Their streams stay interrupted; the next start times them out. */
  async close(): Promise<void> {
    this.closed = true;
    this.remote?.close();
    this.backup.close();
    for (const timer of this.endTimers.values()) clearTimeout(timer);
    this.endTimers.clear();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled([...sessions.map((s) => s.stop({ endList: false })), ...this.stopping.values()]);
    // A publisher that left just before: its session end and closed playlists are written before we return.
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Backup ingest: puts `standby` on air. A feed that disconnected or starved is stopped now (its last
   * segments flushed); on a revert the backup keeps the output until the primary's first segment exists.
   * Either way the promoted session's packager starts only after the old one stopped, so one writer at a
   * time continues the playlists: same session, sequence numbers going on, one discontinuity.
   */
  private switchFeeds(streamId: string, standby: StandbyFeed, takeover: Takeover): void {
    const old = this.sessions.get(streamId);
    standby.close();
    let stopPrevious: () => Promise<void>;
    if (old) {
      const stopNow = takeover.reason !== 'reverted';
      let stopped: Promise<void> | undefined = stopNow ? this.stopSession(streamId, old) : undefined;
      stopPrevious = () => (stopped ??= this.stopSession(streamId, old));
      // A starved or replaced encoder is still connected: it waits in standby (and may take over again).
      if (takeover.reason !== 'disconnected') this.backup.hold(old.publish);
    } else {
      const pending = this.stopping.get(streamId) ?? Promise.resolve();
      stopPrevious = () => pending;
    }
    this.options.logger.info('backup: takeover', { streamId, ...takeover });
    const low = standby.publish.latencyMode === 'low';
    // Low-latency sessions take no hand-over (their parts would have two writers): they start after the stop.
    const session = this.options.createSession(standby.publish, low ? undefined : { stopPrevious, plan: old?.plan });
    this.sessions.set(streamId, session);
    this.updateGauge();
    if (low) {
      void stopPrevious()
        .then(() => this.options.output?.claim(streamId))
        .then(() => this.sessions.get(streamId) === session && session.start());
    } else session.start();
    this.announceTakeover(standby.publish, takeover);
    this.options.onTakeover?.(standby.publish);
  }

  /**
   * Backup ingest across tasks: the other task's feed takes over (the note is written). This task stops
   * writing — its last segments flushed — and only then releases the lease, which the promoted session
   * waits for; its own feed, still connected (starved or replaced), waits in standby for the next switch.
   */
  private async yieldOutput(streamId: string, publish: AcceptedPublish, takeover: Takeover): Promise<void> {
    const session = this.sessions.get(streamId);
    if (!session || session.publish !== publish) return;
    this.options.logger.info('backup: takeover by the other task', { streamId, ...takeover });
    this.sessions.delete(streamId);
    this.updateGauge();
    await this.stopSession(streamId, session);
    await this.releaseOutput(streamId);
    if (!this.closed && !this.gone.has(publish) && takeover.reason !== 'disconnected') this.backup.hold(publish, { remote: true });
  }

  /** Lets the stream's output lease go, unless a new session of this task carries the stream again. */
  private async releaseOutput(streamId: string): Promise<void> {
    if (this.sessions.has(streamId) || !this.options.output) return;
    await this.options.output.release(streamId).catch((err: unknown) => this.logError('could not release the output lease', streamId, err));
  }

  private announceTakeover(publish: AcceptedPublish, takeover: Takeover): void {
    const { streamId, sessionId } = publish;
    void this.track(
      (async () => {
        await recordTakeover(this.options.sessionDeps, streamId, sessionId, takeover.to);
        await this.options.emit?.({ type: 'stream.takeover', streamId, sessionId, data: { ...takeover } });
      })().catch((err: unknown) => this.logError('could not record the takeover', streamId, err)),
    );
  }

  private stopSession(streamId: string, session: LiveSession): Promise<void> {
    const stopped = session.stop({ endList: false });
    this.stopping.set(streamId, stopped);
    return stopped.finally(() => {
      if (this.stopping.get(streamId) === stopped) this.stopping.delete(streamId);
    });
  }

  private logError(message: string, streamId: string, err: unknown): void {
    this.options.logger.error(`session: ${message}`, { streamId, error: err instanceof Error ? err : String(err) });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private scheduleEnd(streamId: string, sessionId: string, delayMs: number): void {
    this.cancelEnd(streamId);
    const timer = setTimeout(() => {
      this.endTimers.delete(streamId);
      void this.track(endSession(this.options.sessionDeps, streamId, sessionId, 'publisher_gone', { onlyIfInterrupted: true })
        .then(async (ended) => {
          if (ended) await this.finalize(streamId, sessionId);
        })
        .catch((err: unknown) => this.options.logger.error('session: could not end session', { streamId, sessionId, error: err instanceof Error ? err : String(err) })));
    }, delayMs);
    this.endTimers.set(streamId, timer);
  }

  private cancelEnd(streamId: string): void {
    const timer = this.endTimers.get(streamId);
    if (timer) clearTimeout(timer);
    this.endTimers.delete(streamId);
  }

  private async finalize(streamId: string, sessionId: string): Promise<void> {
    await this.stopping.get(streamId);
    await this.releaseOutput(streamId);
    const carriesOn = await (this.options.channel?.sessionEnded(streamId) ?? Promise.resolve(false)).catch((err: unknown) => {
      this.options.logger.error('session: could not resume the channel\'s fallback', { streamId, error: err instanceof Error ? err : String(err) });
      return false;
    });
    if (!carriesOn) await finalizeLivePlaylists(this.options.objectStore, streamId).catch((err: unknown) =>
      this.options.logger.warn('session: could not close live playlists', { streamId, error: err instanceof Error ? err : String(err) }),
    );
    // After the drain above, so the finalizer lists every segment this ingest uploaded.
    await this.options.onSessionEnded?.({ streamId, sessionId }).catch((err: unknown) =>
      this.options.logger.error('session: could not queue the recording finalization', { streamId, sessionId, error: err instanceof Error ? err : String(err) }),
    );
  }

  private async sessionClosed(streamId: string, sessionId: string): Promise<boolean> {
    const stream = await this.options.sessionDeps.store.get(streamId);
    return !stream || stream.sessionId !== sessionId || !hasOpenSession(stream.status);
  }

  private updateGauge(): void {
    this.options.metrics.gauge('live_streams', this.sessions.size);
  }
}

function isAccepted(publish: Pick<AcceptedPublish, 'streamId' | 'sessionId'>): publish is AcceptedPublish {
  return 'broadcast' in publish;
}

function isEndedByControl(event: StreamplaneEvent): boolean {
  const reason = (event.data as { reason?: string }).reason;
  return reason === 'ended_by_api' || reason === 'disabled' || reason === 'deleted';
}
