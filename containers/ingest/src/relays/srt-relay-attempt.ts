/**
 * One attempt of one SRT simulcast relay: a fresh FLV tap on the live broadcast feeding a bounded buffer
 * (the same FeedBuffer as RTMP relays), an ffmpeg that remuxes it to MPEG-TS without re-encoding
 * (`-c copy -f mpegts pipe:1`), and the SRT caller (srt/srt_send.py, libsrt) that ffmpeg's output is piped
 * into. The caller learns its destination — the checked address, the streamid (the key) and the
 * passphrase — from the first line of its stdin, so neither process has anything secret in its argv or
 * environment. Resolves `done` with the reason once the attempt is over.
 *
 * Must never: put the streamid or passphrase in an argument list, an environment, a log line or a reason;
 * leave ffmpeg, the sender or the tap behind once `done` resolved.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { SrtEndpoint } from '../../../../core/relays/srt-target';
import type { UrlPolicy } from '../../../../core/webhooks/url-policy';
import { FlvTap } from '../rtmp/flv-tap';
import type { NmsBroadcast } from '../rtmp/nms';
import { FeedBuffer } from './feed-buffer';
import { resolveTargetAddress, type Resolve } from './target-address';

export const SRT_SEND_SCRIPT = fileURLToPath(new URL('../srt/srt_send.py', import.meta.url));

export interface SrtRelayAttemptOptions {
  ffmpegPath: string;
  pythonPath?: string;
  streamPath: string;
  broadcast: NmsBroadcast;
  endpoint: SrtEndpoint;
  policy: UrlPolicy;
  publishTimeoutMs: number;
  buffer: { maxBytes: number; maxLagMs: number };
  onConnected(): void;
  resolve?: Resolve;
}

/** The relay's remux: FLV in on stdin, MPEG-TS out on stdout (flushed per packet: SRT is live), no re-encode. */
export function srtRelayFfmpegArgs(): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-analyzeduration', '1000000', '-f', 'flv', '-i', 'pipe:0', '-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-f', 'mpegts', '-flush_packets', '1', 'pipe:1'];
}

const senderMessage = z.discriminatedUnion('type', [z.object({ type: z.literal('connected') }), z.object({ type: z.literal('failed'), reason: z.string().max(300) })]);

export class SrtRelayAttempt {
  readonly done: Promise<string>;
  private finish!: (reason: string) => void;
  private ffmpeg: ChildProcess | undefined;
  private sender: ChildProcess | undefined;
  private tap: FlvTap | undefined;
  private feed: FeedBuffer | undefined;
  private timers: NodeJS.Timeout[] = [];
  private ended = false;
  private connected = false;
  private senderReason: string | undefined;

  constructor(private readonly options: SrtRelayAttemptOptions) {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  get pid(): number | undefined {
    return this.ffmpeg?.pid;
  }

  async start(): Promise<void> {
    const o = this.options;
    let address: string;
    try {
      address = await resolveTargetAddress(o.endpoint.host, o.policy, o.resolve);
    } catch (err) {
      this.end(err instanceof Error ? err.message : 'could not resolve the target');
      return;
    }
    if (this.ended) return;
    const connectTimeoutMs = Math.max(1_000, Math.min(o.publishTimeoutMs, 10_000));
    const sender = spawn(o.pythonPath ?? 'python3', [SRT_SEND_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    this.sender = sender;
    sender.stdin!.on('error', () => undefined);
    sender.stderr!.resume();
    sender.once('error', () => this.end('could not start the SRT sender (python3)'));
    sender.once('exit', () => this.end(this.senderReason ?? 'the SRT sender ended'));
    createInterface({ input: sender.stdout! }).on('line', (line) => {
      let message: z.infer<typeof senderMessage>;
      try {
        message = senderMessage.parse(JSON.parse(line));
      } catch {
        return;
      }
      if (message.type === 'failed') this.senderReason = message.reason;
      else if (!this.connected && !this.ended) {
        this.connected = true;
        o.onConnected();
      }
    });
    // The destination, secrets included, goes down the sender's stdin before any media.
    sender.stdin!.write(
      `${JSON.stringify({ host: address, port: o.endpoint.port, streamid: o.endpoint.streamId ?? null, passphrase: o.endpoint.passphrase ?? null, latencyMs: o.endpoint.latencyMs ?? null, connectTimeoutMs })}\n`,
    );

    this.feed = new FeedBuffer({ ...o.buffer, onOverflow: (reason) => this.end(reason) });
    const ffmpeg = spawn(o.ffmpegPath, srtRelayFfmpegArgs(), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.ffmpeg = ffmpeg;
    ffmpeg.stdin!.on('error', () => undefined);
    ffmpeg.stderr!.resume();
    ffmpeg.stdout!.pipe(sender.stdin!);
    ffmpeg.once('error', () => this.end('could not start ffmpeg for the relay'));
    ffmpeg.once('exit', (code, signal) => this.end(code === 0 ? 'the relay process ended' : `the relay process exited (${signal ?? `code ${code}`})`));
    this.feed.attach(ffmpeg.stdin!);
    this.tap = new FlvTap(o.streamPath, o.broadcast, this.feed.push);
    this.tap.attach();
    this.timers.push(
      setTimeout(() => {
        if (!this.connected) this.end(`the target did not accept the SRT connection within ${Math.round(o.publishTimeoutMs / 1000)} s`);
      }, o.publishTimeoutMs),
      setInterval(() => this.feed?.checkLag(), 1000),
    );
  }

  stop(reason = 'stopped', options: { graceful?: boolean } = {}): Promise<string> {
    this.end(reason, options.graceful ?? false);
    return this.done;
  }

  private end(reason: string, graceful = false): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    this.tap?.close();
    this.feed?.close();
    const alive = [this.ffmpeg, this.sender].filter((c): c is ChildProcess => c !== undefined && c.pid !== undefined && c.exitCode === null && c.signalCode === null);
    if (alive.length === 0) return this.finish(reason);
    // The end of ffmpeg's input lets it flush into the sender, whose input then ends too; stragglers are killed.
    this.ffmpeg?.stdin?.end();
    const kill = setTimeout(() => alive.forEach((c) => c.kill('SIGKILL')), graceful ? 2_000 : 0);
    void Promise.all(alive.map((c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()))))).then(() => {
      clearTimeout(kill);
      this.finish(reason);
    });
  }
}
