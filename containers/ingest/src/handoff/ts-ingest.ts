/**
 * The MPEG-TS front ends' common half (SRT callers, HTTP pushes): ask the publish gate with the caller's
 * real address, park an accepted decision as a handoff, and relay the feed into the RTMP listener on
 * loopback. A feed that ends or fails before its RTMP leg was accepted still counts as its publisher
 * going away, so the reconnect window and `stream.interrupted` work as for RTMP.
 *
 * Must never: start a relay (or any ffmpeg) for a refused publish, or log a stream key.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { PublishDecision } from '../../../../core/streams/publish-decision';
import { INGEST_APP } from '../../../../core/streams/publish-session';
import type { PublishGate } from '../rtmp/rtmp-ingest';
import type { AllowedDecision, IngestProtocol, PublishHandoffs } from './publish-handoffs';
import { startTsRelay, type TsRelay } from './ts-relay';

export interface TsIngestOptions {
  gate: PublishGate;
  handoffs: PublishHandoffs;
  /** The RTMP listener's bound port (known once it started). */
  rtmpPort(): number;
  ffmpegPath: string;
  logger: Logger;
  metrics: Metrics;
}

export type Admission =
  | { allowed: true; token: string; decision: AllowedDecision }
  | { allowed: false; reason: Extract<PublishDecision, { allowed: false }>['reason'] | 'gate_error' };

export interface FeedRun {
  token: string;
  head: Buffer;
  source: Readable;
  /** Ends the caller's connection (the plane cut the publish). */
  cut(): void;
}

export class TsIngest {
  private readonly relays = new Set<TsRelay>();
  private readonly cuts = new Map<string, () => void>();
  private closed = false;

  constructor(private readonly options: TsIngestOptions) {}

  /** The gate's verdict on a caller; an accepted one gets a handoff token for `run`. */
  async admit(request: { streamKey: string; remoteAddress: string; protocol: IngestProtocol }): Promise<Admission> {
    const { logger, metrics } = this.options;
    if (this.closed) return { allowed: false, reason: 'gate_error' };
    let decision: PublishDecision;
    try {
      decision = await this.options.gate({ app: INGEST_APP, streamKey: request.streamKey, remoteAddress: request.remoteAddress });
    } catch (err) {
      logger.error(`${request.protocol}: publish gate failed; refusing publish`, { remoteAddress: request.remoteAddress, error: err instanceof Error ? err : String(err) });
      metrics.count('publish_rejected', 1, { reason: 'gate_error' });
      return { allowed: false, reason: 'gate_error' };
    }
    if (!decision.allowed) {
      const log = decision.reason === 'rate_limited' ? logger.debug : logger.warn;
      log.call(logger, `${request.protocol}: publish refused`, { reason: decision.reason, streamId: decision.streamId, remoteAddress: request.remoteAddress });
      metrics.count('publish_rejected', 1, { reason: decision.reason });
      return { allowed: false, reason: decision.reason };
    }
    const token = this.options.handoffs.issue({
      decision,
      remoteAddress: request.remoteAddress,
      protocol: request.protocol,
      disconnect: () => this.cuts.get(token)?.(),
    });
    logger.info(`${request.protocol}: publish authorized`, { streamId: decision.streamId, sessionId: decision.sessionId, remoteAddress: request.remoteAddress });
    return { allowed: true, token, decision };
  }

  /** Relays an admitted feed; resolves when it is over (the caller left, the plane cut it, or stop). */
  async run(feed: FeedRun): Promise<void> {
    if (this.closed) {
      this.abandon(feed.token);
      feed.cut();
      return;
    }
    const relay = startTsRelay({ ffmpegPath: this.options.ffmpegPath, rtmpPort: this.options.rtmpPort(), token: feed.token, head: feed.head, source: feed.source, logger: this.options.logger });
    this.relays.add(relay);
    this.cuts.set(feed.token, () => {
      relay.stop();
      feed.cut();
    });
    try {
      await relay.done;
    } finally {
      this.relays.delete(relay);
      this.cuts.delete(feed.token);
      this.abandon(feed.token);
      feed.cut();
    }
  }

  /** A token whose feed never reached the RTMP leg: its publisher is gone. */
  abandon(token: string): void {
    const handoff = this.options.handoffs.cancel(token);
    if (handoff) this.options.handoffs.abandoned(handoff);
  }

  get activeFeeds(): number {
    return this.relays.size;
  }

  async stop(): Promise<void> {
    this.closed = true;
    const running = [...this.relays];
    for (const cut of this.cuts.values()) cut();
    await Promise.all(running.map((r) => r.done));
  }
}
