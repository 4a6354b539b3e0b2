/**
 * Runs pulls on this ingest: at most `maxPulls` at once (core/pulls/pull-slots.ts decides who runs and
 * who waits), one ffmpeg per pull that copies the source into the ingest's own RTMP listener under the
 * `pull` app with a one-time credential. `authorize` is the gate for that app: it accepts only a
 * credential it handed out, only from loopback, and opens the session through core (the same connect
 * transition as a push), after which the media takes the push path unchanged — session manager, ladder,
 * packager, recording, events, webhooks. A source that drops is retried with backoff inside the
 * stream's reconnect window (core/pulls/pull-retry.ts); one that never opens fails with `lastError` and
 * `stream.failed`. The stream record's `pull` field is the truth: a pull the API stopped is never retried.
 *
 * Must never: run two processes for one stream, log the source URL or a credential (every text from
 * ffmpeg goes through `redactSource`), or leave a process behind after `close`.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { PullJob } from '../../../../core/ports/pull-jobs';
import { reportPullFailed, updatePull } from '../../../../core/pulls/pull-control';
import { authorizePull, PULL_APP } from '../../../../core/pulls/pull-publish';
import { nextRetry } from '../../../../core/pulls/pull-retry';
import { emptySlots, freeSlots, releaseSlot, requestSlot, type PullSlots } from '../../../../core/pulls/pull-slots';
import { checkSourceUrl, redactSource } from '../../../../core/pulls/pull-source';
import { isActivePull } from '../../../../core/pulls/pull-status';
import type { StreamplaneEvent } from '../../../../core/events/catalog';
import type { PublishDecision } from '../../../../core/streams/publish-decision';
import type { SessionDeps } from '../../../../core/streams/publish-session';
import { checkAddress, ipLiteralOf, type UrlPolicy } from '../../../../core/webhooks/url-policy';
import type { PublishGate, PublishRequest } from '../rtmp/rtmp-ingest';
import { pullArgs, pullScript } from './pull-args';
import { exitReason, type PullLauncher, type PullProcess } from './pull-process';

export interface PullRunnerOptions {
  sessionDeps: SessionDeps;
  maxPulls: number;
  /** `rtmp://127.0.0.1:PORT` of this ingest's listener (known once it listens). */
  rtmpBase: () => string;
  launch: PullLauncher;
  sourcePolicy: UrlPolicy;
  /** DNS lookup (all addresses) checked against the policy before every attempt; absent: no check. */
  resolveHost?: (host: string) => Promise<string[]>;
  logger: Logger;
  metrics: Metrics;
  /** Delays between attempts (tests compress them). */
  retryScheduleMs?: ReadonlyArray<number>;
  /** A pull finished here (stopped, failed or handed back on close): the cloud deletes its job message. */
  onFinished?: (streamId: string, outcome: 'stopped' | 'failed' | 'closed') => void;
  /** How often running pulls re-read their stream record (a stop through another node's API). */
  reconcileMs?: number;
  /** Addresses besides loopback the runner's ffmpeg connects from (the listener's own, when bound to one). */
  localPeers?: ReadonlyArray<string>;
}

interface Run {
  streamId: string;
  sourceUrl: string;
  attempts: number;
  /** Failed attempts since media last flowed (drives the backoff). */
  failures: number;
  everConnected: boolean;
  connectedThisAttempt: boolean;
  sessionId?: string;
  droppedAtMs?: number;
  process?: PullProcess;
  token?: string;
  retryTimer?: NodeJS.Timeout;
  wake?: () => void;
  cancelled: boolean;
}

/** Loopback peers only: the runner's ffmpeg always connects from this machine. */
function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

export class PullRunner {
  private slots: PullSlots;
  private readonly runs = new Map<string, Run>();
  private readonly tokens = new Map<string, Run>();
  private readonly loops = new Set<Promise<void>>();
  private closed = false;
  private reconcileTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PullRunnerOptions) {
    this.slots = emptySlots(options.maxPulls);
    this.reconcileTimer = setInterval(() => void this.reconcile(), options.reconcileMs ?? 2_000);
    this.reconcileTimer.unref();
  }

  /** How many more pulls this runner takes now (the cloud consumer receives only this many jobs). */
  get capacity(): number {
    return this.closed ? 0 : freeSlots(this.slots);
  }

  get running(): ReadonlyArray<string> {
    return this.slots.running;
  }

  get waiting(): ReadonlyArray<string> {
    return this.slots.waiting;
  }

  /** A start request (from the local queue or an SQS job). Duplicates are ignored. */
  submit(job: PullJob): 'start' | 'queued' | 'already_running' | 'already_queued' | 'closed' {
    if (this.closed) return 'closed';
    const { slots, outcome } = requestSlot(this.slots, job.streamId);
    this.slots = slots;
    this.options.logger.info('pull: start requested', { streamId: job.streamId, outcome });
    if (outcome === 'start') this.launchRun(job.streamId);
    this.gauge();
    return outcome;
  }

  /** Stops a stream's pull here (running or waiting). */
  async stop(streamId: string): Promise<void> {
    const run = this.runs.get(streamId);
    if (!run) {
      if (this.slots.waiting.includes(streamId)) this.release(streamId, 'stopped');
      return;
    }
    run.cancelled = true;
    if (run.retryTimer) clearTimeout(run.retryTimer);
    run.wake?.();
    await run.process?.kill();
  }

  /** Control events (local bus): a stream that was ended, disabled or deleted loses its pull. */
  onEvent(event: StreamplaneEvent): void {
    if (!event.streamId) return;
    const reason = (event.data as { reason?: string }).reason;
    const control = event.type === 'stream.disabled' || event.type === 'stream.deleted' || (event.type === 'stream.ended' && reason !== 'publisher_gone');
    if (control && (this.runs.has(event.streamId) || this.slots.waiting.includes(event.streamId))) void this.checkWanted(event.streamId);
  }

  /**
   * The gate for app `pull`: a credential this runner handed out, from loopback, used once. Anything
   * else goes to `fallback` (the push gate, which refuses it as a wrong app and counts the guess).
   */
  gate(fallback: PublishGate): PublishGate {
    return async (request: PublishRequest): Promise<PublishDecision> => {
      const run = request.app === PULL_APP ? this.tokens.get(request.streamKey) : undefined;
      if (!run || !(isLoopback(request.remoteAddress) || this.options.localPeers?.includes(request.remoteAddress)) || run.cancelled) return fallback(request);
      this.tokens.delete(request.streamKey);
      run.token = undefined;
      if (run.sessionId) {
        // A retry may only continue its own session inside the window; once it ended, the pull is over.
        const stream = await this.options.sessionDeps.store.get(run.streamId);
        if (!stream || stream.sessionId !== run.sessionId || stream.status !== 'interrupted') return { allowed: false, reason: 'already_publishing', streamId: run.streamId };
      }
      const decision = await authorizePull(this.options.sessionDeps, run.streamId);
      if (decision.allowed) {
        run.connectedThisAttempt = true;
        run.everConnected = true;
        run.failures = 0;
        run.sessionId = decision.sessionId;
        this.options.metrics.count('pulls_connected', 1, { reconnect: String(decision.reconnect) });
        await updatePull(this.options.sessionDeps, run.streamId, { state: 'pulling', attempts: run.attempts });
      }
      return decision;
    };
  }

  /** Stops every pull here. Their records stay active, so a restart (or another task) takes them up again. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    for (const run of this.runs.values()) {
      run.cancelled = true;
      if (run.retryTimer) clearTimeout(run.retryTimer);
      run.wake?.();
    }
    await Promise.allSettled([...this.runs.values()].map((r) => r.process?.kill()));
    await Promise.allSettled([...this.loops]);
  }

  private launchRun(streamId: string): void {
    const loop = this.runLoop(streamId)
      .catch((err: unknown) => this.options.logger.error('pull: run failed', { streamId, error: err instanceof Error ? err.message : String(err) }))
      .finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  private async runLoop(streamId: string): Promise<void> {
    const { sessionDeps, logger } = this.options;
    const stream = await sessionDeps.store.get(streamId);
    if (!stream?.source || !isActivePull(stream.pull) || stream.status === 'disabled') {
      this.release(streamId, 'stopped');
      return;
    }
    const run: Run = { streamId, sourceUrl: stream.source.url, attempts: 0, failures: 0, everConnected: false, connectedThisAttempt: false, cancelled: false };
    this.runs.set(streamId, run);
    let outcome: 'stopped' | 'failed' | 'closed' = 'stopped';
    try {
      for (;;) {
        if (run.cancelled || this.closed) break;
        run.attempts++;
        run.connectedThisAttempt = false;
        const updated = await updatePull(sessionDeps, streamId, { state: run.everConnected || run.attempts > 1 ? 'retrying' : 'starting', attempts: run.attempts });
        if (!updated) break;
        const refused = await this.checkHost(run.sourceUrl);
        let error: string;
        if (refused) {
          error = refused;
          run.failures = Number.MAX_SAFE_INTEGER;
        } else {
          error = await this.attempt(run);
        }
        if (run.cancelled || this.closed) break;
        if (run.connectedThisAttempt) run.droppedAtMs = Date.now();
        run.failures = Math.min(run.failures + 1, Number.MAX_SAFE_INTEGER);
        const current = await sessionDeps.store.get(streamId);
        if (!current || !isActivePull(current.pull)) break;
        const decision = refused
          ? ({ action: 'give_up', reason: 'start_attempts_exhausted' } as const)
          : nextRetry({
              attempts: run.failures,
              everConnected: run.everConnected,
              ...(run.droppedAtMs !== undefined ? { droppedAtMs: run.droppedAtMs } : {}),
              nowMs: Date.now(),
              reconnectWindowSeconds: current.reconnectWindowSeconds,
              ...(this.options.retryScheduleMs ? { schedule: this.options.retryScheduleMs } : {}),
            });
        if (decision.action === 'give_up') {
          logger.warn('pull: giving up', { streamId, attempts: run.attempts, reason: decision.reason, error });
          this.options.metrics.count('pulls_failed', 1, { reason: decision.reason });
          await updatePull(sessionDeps, streamId, { state: 'failed', attempts: run.attempts, lastError: error });
          if (!run.everConnected) await reportPullFailed(sessionDeps, streamId, error, run.attempts);
          outcome = 'failed';
          break;
        }
        logger.info('pull: source attempt ended; retrying', { streamId, attempts: run.attempts, delayMs: decision.delayMs, error });
        await updatePull(sessionDeps, streamId, { state: 'retrying', attempts: run.attempts, lastError: error });
        await new Promise<void>((resolve) => {
          run.wake = resolve;
          run.retryTimer = setTimeout(resolve, decision.delayMs);
        });
        run.wake = undefined;
      }
      if (this.closed) outcome = 'closed';
    } finally {
      if (run.token) this.tokens.delete(run.token);
      this.runs.delete(streamId);
      this.release(streamId, outcome);
    }
  }

  /** One ffmpeg run; resolves with the redacted reason it ended. */
  private async attempt(run: Run): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    run.token = token;
    this.tokens.set(token, run);
    const target = `${this.options.rtmpBase()}/${PULL_APP}/${token}`;
    const started = Date.now();
    const child = this.options.launch(pullArgs({ sourceUrl: run.sourceUrl, target }), pullScript({ sourceUrl: run.sourceUrl }));
    run.process = child;
    this.options.logger.info('pull: opening source', { streamId: run.streamId, attempt: run.attempts, pid: child.pid });
    const exit = await child.exited;
    run.process = undefined;
    if (run.token) this.tokens.delete(run.token);
    run.token = undefined;
    this.options.metrics.timing('pull_attempt_duration', Date.now() - started);
    return redactSource(exitReason(exit), run.sourceUrl);
  }

  /** The policy against the host as it resolves now (a name may point inside the network later). */
  private async checkHost(sourceUrl: string): Promise<string | undefined> {
    const checked = checkSourceUrl(sourceUrl, this.options.sourcePolicy);
    if (!checked.ok) return checked.violation.message;
    if (!this.options.resolveHost || ipLiteralOf(checked.host) !== undefined) return undefined;
    let addresses: string[];
    try {
      addresses = await this.options.resolveHost(checked.host);
    } catch {
      return undefined; // ffmpeg reports the DNS failure itself.
    }
    for (const address of addresses) if (!checkAddress(address, this.options.sourcePolicy).ok) return 'The source host resolves to an address pull sources may not reach.';
    return undefined;
  }

  private async checkWanted(streamId: string): Promise<void> {
    const stream = await this.options.sessionDeps.store.get(streamId).catch(() => undefined);
    if (!stream || !isActivePull(stream.pull) || stream.status === 'disabled') await this.stop(streamId);
  }

  private async reconcile(): Promise<void> {
    for (const streamId of [...this.runs.keys(), ...this.slots.waiting]) await this.checkWanted(streamId);
  }

  private release(streamId: string, outcome: 'stopped' | 'failed' | 'closed'): void {
    const { slots, start } = releaseSlot(this.slots, streamId);
    this.slots = slots;
    this.gauge();
    this.options.onFinished?.(streamId, outcome);
    if (this.closed) return;
    for (const next of start) this.launchRun(next);
  }

  private gauge(): void {
    this.options.metrics.gauge('pulls_running', this.slots.running.length);
    this.options.metrics.gauge('pulls_waiting', this.slots.waiting.length);
  }
}
