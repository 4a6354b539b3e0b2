/**
 * One simulcast target's relay for one live publish: runs attempts (relay-attempt.ts) one after the
 * other, with backoff between failures (core/relays/backoff.ts), drives the status machine
 * (core/relays/relay-state.ts), persists status and lastError, and emits relay.started / connected /
 * failed / stopped with data.targetId.
 *
 * Must never: hold the key anywhere but this object's memory; emit or log it; keep a timer or a process
 * after `stop` resolved.
 */
import type { EmitEvent } from '../../../../core/events/emit-event';
import type { Clock } from '../../../../core/ports/clock';
import type { Logger } from '../../../../core/ports/logger';
import type { SimulcastTargetStore } from '../../../../core/ports/simulcast-target-store';
import { relayBackoffMs } from '../../../../core/relays/backoff';
import { initialRelayState, nextRelayState, type RelayEffect, type RelayInput, type RelayState, type RelayStopReason } from '../../../../core/relays/relay-state';
import type { SrtEndpoint } from '../../../../core/relays/srt-target';
import type { RtmpEndpoint } from '../../../../core/relays/target';
import type { UrlPolicy } from '../../../../core/webhooks/url-policy';
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';
import { RelayAttempt } from './relay-attempt';
import { SrtRelayAttempt } from './srt-relay-attempt';

export interface RelaySettings {
  ffmpegPath: string;
  /** The python3 that runs the SRT sender (srt/srt_send.py). */
  pythonPath?: string;
  policy: UrlPolicy;
  publishTimeoutMs: number;
  buffer: { maxBytes: number; maxLagMs: number };
  /** Tests: compress the backoff (1 = real seconds). */
  backoffScale: number;
  resolve?: (host: string) => Promise<string[]>;
}

export interface TargetRelayDeps {
  store: SimulcastTargetStore;
  emit: EmitEvent;
  clock: Clock;
  logger: Logger;
  settings: RelaySettings;
}

export class TargetRelay {
  private state: RelayState = initialRelayState;
  private attempt: RelayAttempt | SrtRelayAttempt | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly targetId: string,
    /** What the relay was started with: a change of URL or key restarts it. */
    readonly fingerprint: string,
    /** Where to publish: RTMP(S) through the loopback forwarder, or SRT through the libsrt sender. */
    private readonly endpoint: RtmpEndpoint | SrtEndpoint,
    private readonly publish: Pick<AcceptedPublish, 'streamId' | 'sessionId' | 'streamPath' | 'broadcast'>,
    private readonly deps: TargetRelayDeps,
  ) {}

  get status(): RelayState['status'] {
    return this.state.status;
  }

  start(): void {
    this.loop = (async () => {
      await this.apply({ type: 'start' });
      await this.run();
    })().catch((err: unknown) => this.deps.logger.error('relay: loop failed', { streamId: this.publish.streamId, targetId: this.targetId, error: err instanceof Error ? err.message : String(err) }));
  }

  async stop(reason: RelayStopReason): Promise<void> {
    if (this.stopped) return this.loop;
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wake?.();
    // The source ended: let ffmpeg hand the target what it still holds. Otherwise stop at once.
    await this.attempt?.stop('stopped', { graceful: reason === 'session_ended' });
    await this.loop;
    await this.apply({ type: 'stop', reason });
  }

  private wake: (() => void) | undefined;

  private async run(): Promise<void> {
    const { settings } = this.deps;
    while (!this.stopped) {
      const common = {
        ffmpegPath: settings.ffmpegPath,
        streamPath: this.publish.streamPath,
        broadcast: this.publish.broadcast,
        policy: settings.policy,
        publishTimeoutMs: settings.publishTimeoutMs,
        buffer: settings.buffer,
        ...(settings.resolve ? { resolve: settings.resolve } : {}),
        onConnected: () => void this.apply({ type: 'connected' }),
      };
      const endpoint = this.endpoint;
      const attempt =
        'kind' in endpoint
          ? new SrtRelayAttempt({ ...common, endpoint, ...(settings.pythonPath ? { pythonPath: settings.pythonPath } : {}) })
          : new RelayAttempt({ ...common, endpoint });
      this.attempt = attempt;
      await attempt.start();
      const reason = await attempt.done;
      this.attempt = undefined;
      if (this.stopped) return;
      const effect = await this.apply({ type: 'failed', reason });
      const delay = effect?.event === 'relay.failed' ? effect.retryInMs : relayBackoffMs(1, settings.backoffScale);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.retryTimer = setTimeout(resolve, delay);
      });
      this.wake = undefined;
    }
  }

  private async apply(input: RelayInput): Promise<RelayEffect> {
    const { deps } = this;
    const { state, effect } = nextRelayState(this.state, input, (failures) => relayBackoffMs(failures, deps.settings.backoffScale));
    this.state = state;
    if (!effect) return effect;
    // Side effects in transition order: a status write must never overtake the one before it.
    const recorded = this.effects.then(() => this.record(effect));
    this.effects = recorded;
    await recorded;
    return effect;
  }

  private effects: Promise<void> = Promise.resolve();

  private async record(effect: NonNullable<RelayEffect>): Promise<void> {
    const { deps, publish, targetId } = this;
    const now = deps.clock.now().toISOString();
    const base = { streamId: publish.streamId, sessionId: publish.sessionId };
    try {
      switch (effect.event) {
        case 'relay.started':
          deps.logger.info('relay: started', { streamId: publish.streamId, targetId });
          await deps.store.setStatus(publish.streamId, targetId, { status: 'starting' }, now);
          await deps.emit({ type: 'relay.started', ...base, data: { targetId, attempt: effect.attempt } });
          break;
        case 'relay.connected':
          deps.logger.info('relay: connected', { streamId: publish.streamId, targetId, attempt: effect.attempt });
          await deps.store.setStatus(publish.streamId, targetId, { status: 'broadcasting', lastError: null }, now);
          await deps.emit({ type: 'relay.connected', ...base, data: { targetId, attempt: effect.attempt } });
          break;
        case 'relay.failed':
          deps.logger.warn('relay: attempt failed', { streamId: publish.streamId, targetId, attempt: effect.attempt, reason: effect.reason, retryInMs: effect.retryInMs });
          await deps.store.setStatus(publish.streamId, targetId, { status: 'errored', lastError: effect.reason }, now);
          await deps.emit({ type: 'relay.failed', ...base, data: { targetId, attempt: effect.attempt, reason: effect.reason, retryInSeconds: effect.retryInMs / 1000 } });
          break;
        case 'relay.stopped':
          deps.logger.info('relay: stopped', { streamId: publish.streamId, targetId, reason: effect.reason });
          await deps.store.setStatus(publish.streamId, targetId, { status: 'idle' }, now);
          await deps.emit({ type: 'relay.stopped', ...base, data: { targetId, reason: effect.reason } });
          break;
      }
    } catch (err) {
      deps.logger.warn('relay: could not record the relay status', { streamId: publish.streamId, targetId, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
