/**
 * The relay's key-bearing hop. ffmpeg publishes the copied FLV to a one-connection RTMP listener on
 * loopback (`rtmp://127.0.0.1:<port>/relay/stream`: nothing secret on its command line); this
 * forwarder checks that the connection is ffmpeg's own (loopback-peer.ts), dials the real target (TCP,
 * or TLS for rtmps://, after checking every address the host resolves to against the URL policy),
 * passes the handshake through untouched, and re-chunks ffmpeg's messages, rewriting the application and
 * tcUrl in `connect` and the stream name in `releaseStream`/`FCPublish`/`publish`/`FCUnpublish`. The
 * target's answers flow back unchanged; the forwarder reads them to report when the publish started or
 * why it was refused (the status code only: servers may echo the stream name in descriptions).
 *
 * Why this and not ffmpeg writing to the target itself: Debian's ffmpeg 5.1 has no way to take an
 * output URL or rtmp_playpath from a file or pipe (the `-/option file` form is ffmpeg 7), so anything
 * ffmpeg dials is visible in `ps`. Why not Node speaking RTMP alone: ffmpeg's RTMP client (with the
 * digest handshake platforms expect) stays the one that talks to the platform.
 *
 * Must never: put the key in a log line, an error or a reason; forward anything before the peer check;
 * buffer without bound towards a target that stopped reading (it pauses ffmpeg instead, and the relay's
 * feed buffer overflows and reconnects).
 */
import { createServer, connect as tcpConnect, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { RtmpEndpoint } from '../../../../core/relays/target';
import type { UrlPolicy } from '../../../../core/webhooks/url-policy';
import { decodeAmf0, encodeAmf0, type AmfObject } from './amf0';
import { loopbackPeerIs } from './loopback-peer';
import { resolveTargetAddress } from './target-address';
import { ChunkReader, MSG_AMF0_COMMAND, MSG_SET_CHUNK_SIZE, writeMessage, type RtmpMessage } from './rtmp-chunks';

const HANDSHAKE_BYTES = 1 + 1536 + 1536;
/** Bytes queued towards the target before ffmpeg is paused. */
const MAX_TARGET_BACKLOG = 1024 * 1024;
const STREAM_NAME_COMMANDS = new Set(['releaseStream', 'FCPublish', 'publish', 'FCUnpublish']);

export interface ForwarderEvents {
  /** The target answered NetStream.Publish.Start. */
  onPublished(): void;
  /** The hop is over; `reason` is safe to show (no key, no server description). */
  onClosed(reason: string): void;
}

export interface ForwarderOptions {
  endpoint: RtmpEndpoint;
  policy: UrlPolicy;
  /** The pid whose socket may connect (ffmpeg); checked through /proc where it exists. */
  expectedPid: () => number | undefined;
  events: ForwarderEvents;
  connectTimeoutMs?: number;
  /** Tests: another resolver. */
  resolve?: (host: string) => Promise<string[]>;
}

export class RtmpForwarder {
  private server: Server | undefined;
  private client: Socket | undefined;
  private target: Socket | undefined;
  private closed = false;

  constructor(private readonly options: ForwarderOptions) {}

  /** Listens on an ephemeral loopback port; the URL ffmpeg publishes to. */
  async listen(): Promise<string> {
    const server = createServer({ pauseOnConnect: true }, (socket) => void this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return `rtmp://127.0.0.1:${(server.address() as AddressInfo).port}/relay/stream`;
  }

  close(reason = 'stopped'): void {
    if (this.closed) return;
    this.closed = true;
    this.server?.close();
    this.client?.destroy();
    this.target?.destroy();
    this.options.events.onClosed(reason);
  }

  private async accept(socket: Socket): Promise<void> {
    if (this.client || this.closed) {
      socket.destroy();
      return;
    }
    this.client = socket;
    // One connection per attempt: nobody else gets to connect afterwards.
    this.server?.close();
    socket.on('error', () => this.close('the relay process closed its connection'));
    socket.on('close', () => this.close('the relay process closed its connection'));
    const pid = this.options.expectedPid();
    const localPort = (this.server?.address() as AddressInfo | null)?.port ?? socket.localPort ?? 0;
    const peer = pid === undefined ? 'unknown' : await loopbackPeerIs(pid, socket.remotePort ?? 0, localPort);
    if (peer === 'foreign') {
      this.close('a process other than the relay connected to its loopback port');
      return;
    }
    try {
      this.target = await this.dial();
    } catch (err) {
      this.close(err instanceof Error ? err.message : 'could not connect to the target');
      return;
    }
    if (this.closed) {
      this.target.destroy();
      return;
    }
    this.pipe(socket, this.target);
  }

  private async dial(): Promise<Socket> {
    const { endpoint, policy } = this.options;
    const address = await resolveTargetAddress(endpoint.host, policy, this.options.resolve);
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    return new Promise<Socket>((resolve, reject) => {
      const socket = endpoint.secure
        ? tlsConnect({ host: address, port: endpoint.port, servername: isIP(endpoint.host) ? undefined : endpoint.host })
        : tcpConnect({ host: address, port: endpoint.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the target did not accept a connection within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      socket.once(endpoint.secure ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(describeSocketError(err)));
      });
    });
  }

  private pipe(client: Socket, target: Socket): void {
    const { endpoint, events } = this.options;
    target.on('error', (err: NodeJS.ErrnoException) => this.close(`target connection failed: ${describeSocketError(err)}`));
    target.on('close', () => this.close('the target closed the connection'));
    target.on('drain', () => client.resume());

    // ffmpeg → target: handshake as is, then messages re-chunked with the commands rewritten.
    let handshake = HANDSHAKE_BYTES;
    const upstream = new ChunkReader();
    let outChunkSize = 128;
    const send = (bytes: Buffer) => {
      if (!target.write(bytes) || target.writableLength > MAX_TARGET_BACKLOG) client.pause();
    };
    client.on('data', (data: Buffer) => {
      try {
        let rest = data;
        if (handshake > 0) {
          const head = rest.subarray(0, handshake);
          handshake -= head.length;
          send(head);
          rest = rest.subarray(head.length);
          if (rest.length === 0) return;
        }
        for (const message of upstream.push(rest)) {
          send(writeMessage(rewrite(message, endpoint), outChunkSize));
          if (message.type === MSG_SET_CHUNK_SIZE && message.payload.length >= 4) outChunkSize = message.payload.readUInt32BE(0) & 0x7fffffff;
        }
      } catch (err) {
        this.close(`the relay process sent invalid RTMP (${err instanceof Error ? err.name : 'error'})`);
      }
    });

    // target → ffmpeg: unchanged; read along for the publish outcome.
    let serverHandshake = HANDSHAKE_BYTES;
    const downstream = new ChunkReader();
    target.on('data', (data: Buffer) => {
      client.write(data);
      let rest = data;
      if (serverHandshake > 0) {
        const skip = Math.min(serverHandshake, rest.length);
        serverHandshake -= skip;
        rest = rest.subarray(skip);
        if (rest.length === 0) return;
      }
      try {
        for (const message of downstream.push(rest)) {
          const status = commandStatus(message);
          if (!status) continue;
          if (status.code === 'NetStream.Publish.Start') events.onPublished();
          else if (status.level === 'error' || /Rejected|Failed|BadName|Denied/i.test(status.code)) this.close(`the target refused the publish (${status.code})`);
        }
      } catch {
        // A target speaking odd RTMP is ffmpeg's problem to report; the bytes were passed on.
      }
    });
    client.resume();
  }
}

function rewrite(message: RtmpMessage, endpoint: RtmpEndpoint): RtmpMessage {
  if (message.type !== MSG_AMF0_COMMAND) return message;
  const values = decodeAmf0(message.payload);
  const name = values[0];
  if (name === 'connect' && values[2] && typeof values[2] === 'object' && !Array.isArray(values[2])) {
    const command = { ...(values[2] as AmfObject), app: endpoint.app, tcUrl: endpoint.tcUrl };
    return { ...message, payload: encodeAmf0([name, values[1], command, ...values.slice(3)]) };
  }
  if (typeof name === 'string' && STREAM_NAME_COMMANDS.has(name) && typeof values[3] === 'string') {
    return { ...message, payload: encodeAmf0([...values.slice(0, 3), endpoint.streamName, ...values.slice(4)]) };
  }
  return message;
}

function commandStatus(message: RtmpMessage): { level: string; code: string } | undefined {
  if (message.type !== MSG_AMF0_COMMAND) return undefined;
  const values = decodeAmf0(message.payload);
  if (values[0] !== 'onStatus' && values[0] !== '_error') return undefined;
  const info = values.find((v, i) => i >= 2 && v !== null && typeof v === 'object' && !Array.isArray(v)) as AmfObject | undefined;
  const code = typeof info?.code === 'string' ? info.code.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 80) : 'unknown';
  const level = typeof info?.level === 'string' ? info.level : values[0] === '_error' ? 'error' : 'status';
  return { level, code };
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ECONNRESET') return 'connection reset by the target';
  if (err.code === 'ETIMEDOUT') return 'connection timed out';
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return 'target unreachable';
  if (err.code?.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(err.message)) return 'TLS handshake with the target failed';
  return err.code ?? 'socket error';
}
