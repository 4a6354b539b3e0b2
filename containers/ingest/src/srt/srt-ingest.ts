/**
 * SRT ingest: one UDP port (STREAMPLANE_SRT_PORT) for every SRT caller, routed by `streamid`. libsrt does
 * the protocol, in a small helper process (srt_hub.py, a ctypes binding: no SRT tool installed here can
 * serve many callers on one port). For each caller the hub asks here, during the SRT handshake, whether
 * to accept; the answer comes from the same publish gate as RTMP (with the caller's address), so a wrong
 * or disabled key is refused before a single media packet is accepted, and the stream's passphrase, if
 * it has one, is required by libsrt from that caller. An accepted caller's MPEG-TS comes back over a
 * loopback TCP intake, tagged with its handoff token, and is relayed into the RTMP post-gate path.
 *
 * Must never: leave the hub running after `stop`, log a streamid (it carries the key), or let a caller in
 * that the gate did not accept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Logger } from '../../../../core/ports/logger';
import type { Metrics } from '../../../../core/ports/metrics';
import { sniffMpegTs, SNIFF_BYTES } from '../handoff/mpegts-sniff';
import type { TsIngest } from '../handoff/ts-ingest';
import { streamKeyFromStreamId } from './stream-id';

export const SRT_HUB_SCRIPT = fileURLToPath(new URL('./srt_hub.py', import.meta.url));

export interface SrtIngestOptions {
  host: string;
  port: number;
  ingest: TsIngest;
  logger: Logger;
  metrics: Metrics;
  pythonPath?: string;
}

const hubMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), port: z.number().int() }),
  z.object({ type: z.literal('auth'), id: z.number().int(), streamid: z.string().max(512), peer: z.string().max(64) }),
]);

const TOKEN_LINE_MAX = 64;

export class SrtIngest {
  private hub: ChildProcess | undefined;
  private intake: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(private readonly options: SrtIngestOptions) {}

  get port(): number {
    return this.boundPort;
  }

  /** Pid of the libsrt helper (the plane's process tree, for the benchmarks). */
  get hubPid(): number | undefined {
    return this.hub?.pid;
  }

  async start(): Promise<void> {
    const intake = createServer((socket) => this.onIntake(socket));
    this.intake = intake;
    const intakePort = await new Promise<number>((resolve, reject) => {
      intake.once('error', reject);
      intake.listen(0, '127.0.0.1', () => {
        const address = intake.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    const hub = spawn(this.options.pythonPath ?? 'python3', [SRT_HUB_SCRIPT, '--bind', this.options.host, '--port', String(this.options.port), '--intake-port', String(intakePort)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
    });
    this.hub = hub;
    let stderr = '';
    hub.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    hub.stdin!.on('error', () => undefined);
    const ready = new Promise<number>((resolve, reject) => {
      hub.once('error', (err) => reject(new Error(`SRT ingest: cannot start python3 (${err.message})`)));
      hub.once('exit', (code) => reject(new Error(`SRT ingest: the libsrt helper exited (${code}): ${stderr.trim() || 'no output'}`)));
      const lines = createInterface({ input: hub.stdout! });
      lines.on('line', (line) => {
        let message: z.infer<typeof hubMessage>;
        try {
          message = hubMessage.parse(JSON.parse(line));
        } catch {
          this.options.logger.warn('srt: unreadable message from the libsrt helper');
          return;
        }
        if (message.type === 'ready') resolve(message.port);
        else void this.onAuth(message.id, message.streamid, message.peer);
      });
    });
    try {
      this.boundPort = await ready;
    } catch (err) {
      await this.stop();
      throw err;
    }
    hub.once('exit', (code, signal) => {
      if (this.hub === hub) this.options.logger.error('srt: the libsrt helper died; SRT ingest is down', { code, signal, stderr: stderr.trim().slice(-300) });
    });
    this.options.logger.info('srt: listening', { port: this.boundPort });
  }

  private async onAuth(id: number, streamId: string, peer: string): Promise<void> {
    const reply = (message: Record<string, unknown>) => {
      if (this.hub?.stdin?.writable) this.hub.stdin.write(JSON.stringify({ type: 'auth', id, ...message }) + '\n');
    };
    try {
      const admission = await this.options.ingest.admit({ streamKey: streamKeyFromStreamId(streamId), remoteAddress: peer, protocol: 'srt' });
      if (!admission.allowed) return reply({ allow: false });
      reply({ allow: true, token: admission.token, passphrase: admission.decision.srtPassphrase ?? null });
    } catch (err) {
      this.options.logger.error('srt: authorization failed', { error: err instanceof Error ? err : String(err) });
      reply({ allow: false });
    }
  }

  /** An accepted caller's feed: `TOKEN\n`, then MPEG-TS. */
  private onIntake(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let token: string | undefined;
    let handedOn = false;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (token === undefined) {
        const newline = buffered.indexOf(0x0a);
        if (newline < 0) {
          if (buffered.length > TOKEN_LINE_MAX) socket.destroy();
          return;
        }
        token = buffered.subarray(0, newline).toString('ascii');
        buffered = buffered.subarray(newline + 1);
      }
      const verdict = sniffMpegTs(buffered);
      if (verdict === 'need-more' && buffered.length < SNIFF_BYTES * 4) return;
      socket.off('data', onData);
      socket.pause();
      handedOn = true;
      if (verdict !== 'mpegts') {
        this.options.logger.warn('srt: caller sent something other than MPEG-TS; disconnecting');
        this.options.metrics.count('publish_rejected', 1, { reason: 'not_mpegts' });
        this.options.ingest.abandon(token);
        socket.destroy();
        return;
      }
      const admitted = token;
      void this.options.ingest.run({ token: admitted, head: buffered, source: socket, cut: () => socket.destroy() });
    };
    socket.on('data', onData);
    socket.once('close', () => {
      if (token !== undefined && !handedOn) this.options.ingest.abandon(token);
    });
  }

  async stop(): Promise<void> {
    const hub = this.hub;
    this.hub = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (hub && hub.exitCode === null && hub.signalCode === null) {
      const exited = new Promise<void>((resolve) => hub.once('exit', () => resolve()));
      hub.stdin?.end();
      hub.kill('SIGTERM');
      const timer = setTimeout(() => hub.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    const intake = this.intake;
    this.intake = undefined;
    if (intake) await new Promise<void>((resolve) => intake.close(() => resolve()));
  }
}
