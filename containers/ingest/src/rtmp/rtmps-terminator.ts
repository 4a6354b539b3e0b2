/**
 * RTMPS on the local plane: a TLS terminator (STREAMPLANE_RTMPS_PORT, with the PEM certificate and key of
 * STREAMPLANE_TLS_CERT / STREAMPLANE_TLS_KEY) in front of the plane's own RTMP listener. Each TLS
 * connection becomes one loopback TCP connection to the RTMP listener, whose source port is recorded so
 * the RTMP ingest can tell the publish gate the real caller's address (rate limits, `stream.rejected`).
 * The gate runs once, in the RTMP ingest, exactly as for plain RTMP.
 *
 * Must never: accept plaintext on the TLS port, keep a loopback leg open after its TLS side closed (or
 * the other way round), or attribute a loopback connection it did not open to a remote caller.
 */
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';

export interface RtmpsTerminatorOptions {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
  /** The RTMP listener's bound port. */
  rtmpPort(): number;
  logger: Logger;
  metrics: Metrics;
  /** A TLS handshake that has not completed by then is dropped (default 10 s). */
  handshakeTimeoutMs?: number;
}

export class RtmpsTerminator {
  private server: Server | undefined;
  /** Loopback source port of each leg to the RTMP listener → the TLS caller's address. */
  private readonly callers = new Map<number, string>();
  private readonly legs = new Set<Socket>();

  constructor(private readonly options: RtmpsTerminatorOptions) {}

  async start(): Promise<void> {
    const [cert, key] = await Promise.all([readFile(this.options.certFile), readFile(this.options.keyFile)]);
    const server = createServer({ cert, key, handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000, minVersion: 'TLSv1.2' }, (tls) => this.onSecure(tls));
    server.on('tlsClientError', () => this.options.metrics.count('rtmps_tls_errors'));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.options.logger.info('rtmps: listening', { port: this.port });
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  /** For the RTMP ingest: the caller behind one of our loopback legs, else undefined. */
  callerOf(socket: Socket): string | undefined {
    return socket.remotePort !== undefined ? this.callers.get(socket.remotePort) : undefined;
  }

  private onSecure(tls: TLSSocket): void {
    const caller = tls.remoteAddress ?? 'unknown';
    tls.pause();
    const leg = connect({ host: '127.0.0.1', port: this.options.rtmpPort() });
    this.legs.add(leg);
    let localPort: number | undefined;
    leg.once('connect', () => {
      localPort = leg.localPort;
      if (localPort !== undefined) this.callers.set(localPort, caller);
      tls.pipe(leg);
      leg.pipe(tls);
      tls.resume();
    });
    const close = () => {
      if (localPort !== undefined && this.callers.get(localPort) === caller) this.callers.delete(localPort);
      this.legs.delete(leg);
      tls.destroy();
      leg.destroy();
    };
    tls.once('close', close);
    leg.once('close', close);
    tls.on('error', close);
    leg.on('error', close);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const leg of this.legs) leg.destroy();
    await closed;
  }
}
