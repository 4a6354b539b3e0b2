/**
 * The simulcast relays of this ingest: while a publish is on, one TargetRelay per enabled target of its
 * stream (RTMP(S) through the loopback forwarder, SRT through the libsrt sender). Reconciles with the target store when a publish starts, when told a stream's targets changed
 * (the local plane's API says so at once), and every `pollMs` (the cloud, where the API cannot reach the
 * ingest): a target enabled, added or changed starts or restarts its relay, one disabled or deleted stops
 * its relay — only that relay. Relays stop when the publish goes.
 *
 * Must never: start a relay for a disabled target, keep a relay after its publish went, decrypt a key
 * before a relay needs it, or let one target's failure touch another's relay.
 */
import type { EmitEvent } from '../../../../core/events/emit-event';
import type { Clock } from '../../../../core/ports/clock';
import type { KeyCipher } from '../../../../core/ports/key-cipher';
import type { Logger } from '../../../../core/ports/logger';
import type { SimulcastTargetStore } from '../../../../core/ports/simulcast-target-store';
import { srtEndpointOf, type SrtEndpoint } from '../../../../core/relays/srt-target';
import { rtmpEndpointOf, type RtmpEndpoint, type SimulcastTarget } from '../../../../core/relays/target';
import type { RelayStopReason } from '../../../../core/relays/relay-state';
import type { AcceptedPublish } from '../rtmp/rtmp-ingest';
import { TargetRelay, type RelaySettings } from './target-relay';

export interface RelayManagerOptions {
  store: SimulcastTargetStore;
  cipher: KeyCipher;
  emit: EmitEvent;
  clock: Clock;
  logger: Logger;
  settings: RelaySettings;
  /** How often live streams' targets are re-read (0: only on publish and `refresh`). */
  pollMs: number;
}

interface LivePublish {
  publish: AcceptedPublish;
  relays: Map<string, TargetRelay>;
  /** Reconciliations of one stream run one at a time. */
  sync: Promise<void>;
}

export class RelayManager {
  private readonly live = new Map<string, LivePublish>();
  private readonly poller: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: RelayManagerOptions) {
    if (options.pollMs > 0) {
      this.poller = setInterval(() => {
        for (const streamId of this.live.keys()) this.refresh(streamId);
      }, options.pollMs);
      this.poller.unref();
    }
  }

  /** Relays running for a stream: target id → status. */
  statuses(streamId: string): Record<string, string> {
    return Object.fromEntries([...(this.live.get(streamId)?.relays ?? new Map<string, TargetRelay>())].map(([id, relay]) => [id, relay.status]));
  }

  onAccepted(publish: AcceptedPublish): void {
    if (this.closed) return;
    const previous = this.live.get(publish.streamId);
    const entry: LivePublish = { publish, relays: new Map(), sync: previous ? this.stopAll(previous, 'session_ended') : Promise.resolve() };
    this.live.set(publish.streamId, entry);
    this.refresh(publish.streamId);
  }

  async onGone(publish: AcceptedPublish): Promise<void> {
    const entry = this.live.get(publish.streamId);
    if (!entry || entry.publish.sessionId !== publish.sessionId || entry.publish !== publish) return;
    this.live.delete(publish.streamId);
    await this.stopAll(entry, 'session_ended');
  }

  /** Re-reads the stream's targets and starts/stops/restarts the relays that differ. */
  refresh(streamId: string): void {
    const entry = this.live.get(streamId);
    if (!entry) return;
    entry.sync = entry.sync.then(() => this.reconcile(entry)).catch((err: unknown) =>
      this.options.logger.warn('relay: could not read the simulcast targets', { streamId, error: err instanceof Error ? err.message : String(err) }),
    );
  }

  /** Resolves once every pending reconciliation is done (tests, shutdown). */
  async settled(streamId: string): Promise<void> {
    await this.live.get(streamId)?.sync;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    const entries = [...this.live.values()];
    this.live.clear();
    await Promise.allSettled(entries.map((entry) => this.stopAll(entry, 'shutdown')));
  }

  private async reconcile(entry: LivePublish): Promise<void> {
    if (this.live.get(entry.publish.streamId) !== entry) return;
    const streamId = entry.publish.streamId;
    const targets = await this.options.store.list(streamId);
    const wanted = new Map(targets.filter((t) => t.enabled).map((t) => [t.id, t]));
    const known = new Set(targets.map((t) => t.id));
    for (const [targetId, relay] of entry.relays) {
      const target = wanted.get(targetId);
      if (target && fingerprintOf(target) === relay.fingerprint) continue;
      entry.relays.delete(targetId);
      await relay.stop(!known.has(targetId) ? 'deleted' : target ? 'session_ended' : 'disabled');
    }
    for (const target of wanted.values()) {
      if (entry.relays.has(target.id) || this.live.get(streamId) !== entry) continue;
      const relay = await this.relayFor(entry, target);
      if (!relay) continue;
      entry.relays.set(target.id, relay);
      relay.start();
    }
  }

  private async relayFor(entry: LivePublish, target: SimulcastTarget): Promise<TargetRelay | undefined> {
    const { streamId } = entry.publish;
    let key: string | undefined;
    if (target.encryptedKey) {
      try {
        key = await this.options.cipher.decrypt(target.encryptedKey, { streamId, targetId: target.id });
      } catch (err) {
        this.options.logger.error('relay: the target\'s stream key does not decrypt; not starting it', { streamId, targetId: target.id, error: err instanceof Error ? err.message : String(err) });
        await this.options.store.setStatus(streamId, target.id, { status: 'errored', lastError: 'the stored stream key could not be decrypted; set it again' }, this.options.clock.now().toISOString());
        return undefined;
      }
    }
    let endpoint: RtmpEndpoint | SrtEndpoint | undefined;
    let refusal = 'the target URL is not an rtmp(s) publish URL';
    if (target.url.startsWith('srt://')) {
      const srt = srtEndpointOf(target.url, key);
      if (srt.ok) endpoint = srt.endpoint;
      else refusal = srt.message;
    } else {
      endpoint = rtmpEndpointOf(target.url, key);
    }
    if (!endpoint) {
      await this.options.store.setStatus(streamId, target.id, { status: 'errored', lastError: refusal }, this.options.clock.now().toISOString());
      return undefined;
    }
    return new TargetRelay(target.id, fingerprintOf(target), endpoint, entry.publish, {
      store: this.options.store,
      emit: this.options.emit,
      clock: this.options.clock,
      logger: this.options.logger,
      settings: this.options.settings,
    });
  }

  private async stopAll(entry: LivePublish, reason: RelayStopReason): Promise<void> {
    await entry.sync.catch(() => {});
    const relays = [...entry.relays.values()];
    entry.relays.clear();
    await Promise.allSettled(relays.map((relay) => relay.stop(reason)));
  }
}

/** What a running relay depends on: the URL and the key ciphertext (a new key is a new ciphertext). */
function fingerprintOf(target: SimulcastTarget): string {
  return `${target.url}\n${target.encryptedKey ?? ''}`;
}
