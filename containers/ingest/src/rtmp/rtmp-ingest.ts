/**
 * The RTMP front door. Runs node-media-server's RTMP listener and gates every publish: the socket is
 * paused the moment a publish is announced, the publish gate (auth hook) decides, and only an accepted
 * publisher's socket is resumed and handed on. A refused one is closed without any of its media reaching
 * a transcoder. RTMP playback is refused: viewers watch HLS.
 *
 * Must never: log a stream key (node-media-server's own log lines are redacted here), keep a refused
 * socket open, or let an exception from one connection take down the listener.
 */
import { createServer, type Socket } from 'node:net';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import type { PublishDecision } from '../../../../core/streams/publish-decision';
import { redactStreamKeys } from '../../../../core/streams/stream-key';
import { closeAtNextKeyframe } from './keyframe-close';
import { closeWithStatus } from './rtmp-status';
import { nmsContext, nmsLogger, NmsRtmpServerClass, type NmsBroadcast, type NmsRtmpServer, type NmsSession } from './nms';
import { listenOnNms, nmsSessionsOn } from './nms-dispatch';
import { paceReads } from './read-pacing';
import { HANDOFF_APP, isLoopback, type IngestProtocol, type PublishHandoffs } from '../handoff/publish-handoffs';

/** What an encoder pointed at another cell's NLB is told (NetStream.Publish.Rejected). */
export const WRONG_CELL_DESCRIPTION = 'Stream assigned to another ingest cell: publish to the server URL the API gives for this stream';
/** An accepted `latencyMode: normal` publisher's socket is read at most this often (read-pacing.ts). */
const NORMAL_MODE_READ_PACING_MS = 50;

export interface PublishRequest {
  app: string;
  streamKey: string;
  remoteAddress: string;
}

/** Decides a publish; must not throw for a bad key (only for infrastructure failure). */
export type PublishGate = (request: PublishRequest) => Promise<PublishDecision>;

/** An accepted publish, as the rest of the ingest sees it. */
export interface AcceptedPublish {
  streamId: string;
  sessionId: string;
  reconnect: boolean;
  recording: boolean;
  reconnectWindowSeconds: number;
  /** Seconds of DVR playlist to keep (absent: none). */
  dvrWindowSeconds?: number;
  /** `low`: LL-HLS packaging for this session (absent: normal). */
  latencyMode?: 'normal' | 'low';
  remoteAddress: string;
  /** How the publisher reached the plane (SRT and HTTP publishes arrive through a handoff). */
  protocol?: IngestProtocol;
  /** `passthrough`: one rendition, the source copied (no ladder). Absent: the ladder. */
  transcode?: 'ladder' | 'passthrough';
  /** Backup ingest: which encoder (app `live`: primary, `live-backup`: backup). Absent: primary. */
  role?: 'primary' | 'backup';
  /** Backup ingest: it joined a session the other encoder feeds, so it starts in standby. */
  standby?: boolean;
  streamPath: string;
  broadcast: NmsBroadcast;
  /** Closes the publisher's connection (disable, delete, end now). */
  disconnect(): void;
  /** Closes it at its next keyframe, telling the encoder why (it should reconnect). @see keyframe-close.ts */
  handOff(description: string): void;
}

/**
 * Whether this task takes a new publisher at all, asked before the publish gate (so a draining or full task
 * costs no auth call): undefined admits, a refusal is sent to the encoder as an RTMP error status.
 */
export type PublishAdmission = () => { reason: string; description: string } | undefined;

export interface RtmpIngestOptions {
  port: number;
  host: string;
  gate: PublishGate;
  logger: Logger;
  metrics: Metrics;
  /** An accepted publisher is handed on here; its media flows once this returns. */
  onAccepted(publish: AcceptedPublish): void;
  /** The accepted publisher's connection closed (for any reason). */
  onGone(publish: AcceptedPublish): void;
  /** A connection that has not asked to publish by then (garbage, a stalled handshake) is closed. */
  handshakeTimeoutMs?: number;
  /** An accepted publisher that sends nothing for this long is treated as gone. */
  idleTimeoutMs?: number;
  /** Publishes the SRT and HTTP front ends already authorized (app `handoff`, loopback only). */
  handoffs?: PublishHandoffs;
  /**
   * The caller behind a loopback connection from the plane's own TLS terminator (RTMPS), so the gate and
   * its rate limits see the real address. Undefined for any other connection.
   */
  proxiedAddress?(socket: Socket): string | undefined;
  /** @default admits every publish */
  admission?: PublishAdmission;
}

export class RtmpIngest {
  private server: NmsRtmpServer | undefined;
  private readonly accepted = new Map<string, AcceptedPublish>();
  /** Sockets that got as far as announcing a publish; the rest are closed at the handshake timeout. */
  private readonly announced = new WeakSet<Socket>();
  private unlisten: (() => void) | undefined;

  constructor(private readonly options: RtmpIngestOptions) {}

  async start(): Promise<void> {
    const { logger } = this.options;
    nmsLogger.log = (message: string, level = 'info') => {
      const text = redactStreamKeys(String(message));
      if (level === 'error') logger.warn(`rtmp: ${text}`);
      else logger.debug(`rtmp: ${text}`);
    };
    // node-media-server treats port 0 as "no listener", so an OS-chosen port is picked here first.
    const port = this.options.port === 0 ? await freePort(this.options.host) : this.options.port;
    nmsContext.config = { bind: this.options.host, rtmp: { port } };
    // node-media-server's context is process-wide: events reach this listener only for its own port.
    this.unlisten = listenOnNms(port, {
      prePublish: (session) => this.guard(() => this.onPrePublish(session)),
      prePlay: (session) => this.guard(() => this.refusePlay(session)),
    });
    const server = new NmsRtmpServerClass();
    this.server = server;
    const tcp = server.tcpServer;
    if (!tcp) throw new Error('RTMP listener was not created');
    // node-media-server waits forever for a handshake that never completes; we do not.
    tcp.on('connection', (socket: Socket) => {
      const timer = setTimeout(() => {
        if (this.announced.has(socket) || socket.destroyed) return;
        this.options.logger.info('rtmp: closing a connection that did not publish in time', { remoteAddress: socket.remoteAddress });
        this.options.metrics.count('rtmp_handshake_timeouts');
        socket.destroy();
      }, this.options.handshakeTimeoutMs ?? 10_000);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      tcp.once('error', onError);
      tcp.once('listening', () => {
        tcp.off('error', onError);
        resolve();
      });
      server.run();
    });
  }

  /** The port actually bound (useful with port 0 in tests). */
  get port(): number {
    const address = this.server?.tcpServer?.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }


  disconnectStream(streamId: string): boolean {
    let found = false;
    for (const publish of this.accepted.values()) {
      if (publish.streamId === streamId) {
        publish.disconnect();
        found = true;
      }
    }
    return found;
  }

  /** The accepted publishers right now. */
  get publishers(): AcceptedPublish[] {
    return [...this.accepted.values()];
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => (server.tcpServer ? server.tcpServer.once('close', () => resolve()) : resolve()));
    const address = server.tcpServer?.address();
    const port = typeof address === 'object' && address ? address.port : this.options.port;
    const sessions = nmsSessionsOn(port);
    server.stop();
    for (const session of sessions) session.socket?.destroy();
    await closed;
    this.unlisten?.();
    this.unlisten = undefined;
  }

  private guard(fn: () => void | Promise<void>): void {
    Promise.resolve()
      .then(fn)
      .catch((err: unknown) => this.options.logger.error('rtmp: handler failed', { error: err instanceof Error ? err : String(err) }));
  }

  private refusePlay(session: NmsSession): void {
    this.options.logger.info('rtmp: playback refused (viewers use HLS)', { remoteAddress: addressOf(session) });
    session.close();
  }

  private async onPrePublish(session: NmsSession): Promise<void> {
    const socket = session.socket;
    let remoteAddress = addressOf(session);
    let protocol: IngestProtocol = 'rtmp';
    const proxied = socket && isLoopback(socket.remoteAddress) ? this.options.proxiedAddress?.(socket) : undefined;
    if (proxied !== undefined) {
      remoteAddress = proxied;
      protocol = 'rtmps';
    }
    if (socket) this.announced.add(socket);
    // No media is read from this connection until the gate has said yes.
    socket?.pause();
    session.broadcast.publishGraceMs = 0;
    let closed = false;
    socket?.once('close', () => (closed = true));

    const refusal = this.options.admission?.();
    if (refusal) {
      this.options.logger.info('rtmp: publish refused by this task (the encoder reconnects elsewhere)', { reason: refusal.reason, remoteAddress });
      this.options.metrics.count('publish_rejected', 1, { reason: refusal.reason });
      closeWithStatus(session, refusal.description);
      return;
    }

    const started = Date.now();
    let decision: PublishDecision;
    let handoffDisconnect: (() => void) | undefined;
    if (session.streamApp === HANDOFF_APP && proxied === undefined) {
      // Already decided by the gate, with the caller's address, in the SRT or HTTP front end.
      const handoff = isLoopback(socket?.remoteAddress) ? this.options.handoffs?.claim(session.streamName) : undefined;
      if (!handoff) {
        this.options.logger.warn('rtmp: handoff publish without a valid token refused', { remoteAddress });
        this.options.metrics.count('publish_rejected', 1, { reason: 'bad_handoff' });
        destroy(socket, session);
        return;
      }
      decision = handoff.decision;
      remoteAddress = handoff.remoteAddress;
      protocol = handoff.protocol;
      handoffDisconnect = handoff.disconnect;
    } else {
      try {
        decision = await this.options.gate({ app: session.streamApp, streamKey: session.streamName, remoteAddress });
      } catch (err) {
        this.options.logger.error('rtmp: publish gate failed; refusing publish', { remoteAddress, error: err instanceof Error ? err : String(err) });
        this.options.metrics.count('publish_rejected', 1, { reason: 'gate_error' });
        destroy(socket, session);
        return;
      }
      this.options.metrics.timing('publish_auth_latency', Date.now() - started);
    }

    if (!decision.allowed) {
      // A rate-limited address is reported once per block by the gate; a line per attempt would let a flood fill the log.
      const log = decision.reason === 'rate_limited' ? this.options.logger.debug : this.options.logger.warn;
      log.call(this.options.logger, 'rtmp: publish refused', { reason: decision.reason, streamId: decision.streamId, remoteAddress });
      this.options.metrics.count('publish_rejected', 1, { reason: decision.reason });
      // A stream of another cell is told why (its encoder is pointed at the wrong NLB); other refusals say nothing.
      if (decision.reason === 'wrong_cell') closeWithStatus(session, WRONG_CELL_DESCRIPTION);
      else destroy(socket, session);
      return;
    }

    const publish: AcceptedPublish = {
      streamId: decision.streamId,
      sessionId: decision.sessionId,
      reconnect: decision.reconnect,
      recording: decision.recording,
      reconnectWindowSeconds: decision.reconnectWindowSeconds,
      ...(decision.dvrWindowSeconds ? { dvrWindowSeconds: decision.dvrWindowSeconds } : {}),
      ...(decision.transcode ? { transcode: decision.transcode } : {}),
      ...(decision.latencyMode === 'low' ? { latencyMode: 'low' as const } : {}),
      ...(decision.role ? { role: decision.role } : {}),
      ...(decision.standby ? { standby: true } : {}),
      remoteAddress,
      protocol,
      streamPath: session.streamPath,
      broadcast: session.broadcast,
      disconnect: () => {
        destroy(socket, session);
        handoffDisconnect?.();
      },
      handOff: (description) => {
        const disarm = closeAtNextKeyframe({
          streamPath: session.streamPath,
          broadcast: session.broadcast,
          close: (reason) => {
            this.options.logger.info('rtmp: handing the publisher off to another task', { streamId: publish.streamId, sessionId: publish.sessionId, at: reason });
            closeWithStatus(session, description);
          },
        });
        socket?.once('close', disarm);
      },
    };
    this.options.metrics.count('publish_accepted');
    this.accepted.set(session.id, publish);
    const onGone = () => {
      if (!this.accepted.delete(session.id)) return;
      this.options.logger.info('rtmp: publisher disconnected', { streamId: publish.streamId, sessionId: publish.sessionId });
      this.guard(() => this.options.onGone(publish));
    };
    if (closed || !socket) {
      this.options.onAccepted(publish);
      onGone();
      return;
    }
    socket.once('close', onGone);
    // A publisher whose network died without a FIN would otherwise look live forever.
    socket.setTimeout(this.options.idleTimeoutMs ?? 30_000, () => {
      this.options.logger.warn('rtmp: publisher sent nothing for too long; disconnecting', { streamId: publish.streamId });
      socket.destroy();
    });
    this.options.logger.info('rtmp: publish accepted', { streamId: publish.streamId, sessionId: publish.sessionId, reconnect: publish.reconnect, remoteAddress, protocol });
    this.options.onAccepted(publish);
    socket.resume();
    if (publish.latencyMode !== 'low') paceReads(socket, NORMAL_MODE_READ_PACING_MS);
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function destroy(socket: Socket | undefined, session: NmsSession): void {
  if (socket) socket.destroy();
  else session.close();
}

function addressOf(session: NmsSession): string {
  return session.socket?.remoteAddress ?? session.ip.replace(/:\d+$/, '');
}
