/**
 * One attempt of one relay: a fresh FLV tap on the live broadcast (it replays from the last keyframe)
 * feeding a bounded buffer, an ffmpeg that copies the FLV without re-encoding, and the loopback
 * forwarder that carries it to the target under its key (rtmp-forwarder.ts). Resolves `done` with the
 * reason once the attempt is over: refused, unreachable, no answer within the publish timeout, fell
 * behind, dropped, or stopped.
 *
 * Must never: put the key or the composed URL in ffmpeg's argv or environment, in a log line or in a
 * reason; leave ffmpeg, the tap or the listener behind once `done` resolved.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { RtmpEndpoint } from '../../../../core/relays/target';
import type { UrlPolicy } from '../../../../core/webhooks/url-policy';
import { FlvTap } from '../rtmp/flv-tap';
import type { NmsBroadcast } from '../rtmp/nms';
import { FeedBuffer } from './feed-buffer';
import { RtmpForwarder } from './rtmp-forwarder';

export interface RelayAttemptOptions {
  ffmpegPath: string;
  streamPath: string;
  broadcast: NmsBroadcast;
  endpoint: RtmpEndpoint;
  policy: UrlPolicy;
  /** How long the target may take to accept the publish. */
  publishTimeoutMs: number;
  buffer: { maxBytes: number; maxLagMs: number };
  onConnected(): void;
  resolve?: (host: string) => Promise<string[]>;
}

/** The ffmpeg command line of a relay: FLV in on stdin, FLV out to the loopback forwarder, no re-encode. */
export function relayFfmpegArgs(loopbackUrl: string): string[] {
  // Audio and video only: FLV's script data shows up as a data stream, and a mapped data stream that
  // never gets packets makes the muxer hold everything back for its interleave window (10 s).
  // The tap starts at a keyframe with the codec headers: one second of probing is plenty, and every second
  // of probing is a second later on the target.
  return ['-hide_banner', '-loglevel', 'error', '-analyzeduration', '1000000', '-f', 'flv', '-i', 'pipe:0', '-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-f', 'flv', '-flvflags', 'no_duration_filesize', loopbackUrl];
}

export class RelayAttempt {
  readonly done: Promise<string>;
  private finish!: (reason: string) => void;
  private child: ChildProcess | undefined;
  private tap: FlvTap | undefined;
  private forwarder: RtmpForwarder | undefined;
  private feed: FeedBuffer | undefined;
  private timers: NodeJS.Timeout[] = [];
  private ended = false;
  private connected = false;
  private spawnFailed = false;
  private gracefulStop = false;

  constructor(private readonly options: RelayAttemptOptions) {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const o = this.options;
    this.forwarder = new RtmpForwarder({
      endpoint: o.endpoint,
      policy: o.policy,
      expectedPid: () => this.child?.pid,
      ...(o.resolve ? { resolve: o.resolve } : {}),
      events: {
        onPublished: () => {
          if (this.connected || this.ended) return;
          this.connected = true;
          o.onConnected();
        },
        onClosed: (reason) => this.end(reason),
      },
    });
    let loopbackUrl: string;
    try {
      loopbackUrl = await this.forwarder.listen();
    } catch {
      this.end('could not open the relay listener');
      return;
    }
    if (this.ended) return;
    this.feed = new FeedBuffer({ ...o.buffer, onOverflow: (reason) => this.end(reason) });
    const child = spawn(o.ffmpegPath, relayFfmpegArgs(loopbackUrl), { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child = child;
    child.stdin!.on('error', () => {});
    // Drained, never logged: ffmpeg prints the target's error descriptions, which may echo the stream name.
    child.stderr!.resume();
    child.once('error', () => {
      this.spawnFailed = true;
      this.end('could not start ffmpeg for the relay');
    });
    child.once('exit', (code, signal) => this.end(code === 0 ? 'the relay process ended' : `the relay process exited (${signal ?? `code ${code}`})`));
    this.feed.attach(child.stdin!);
    this.tap = new FlvTap(o.streamPath, o.broadcast, this.feed.push);
    this.tap.attach();
    this.timers.push(
      setTimeout(() => {
        if (!this.connected) this.end(`the target did not accept the publish within ${Math.round(o.publishTimeoutMs / 1000)} s`);
      }, o.publishTimeoutMs),
      setInterval(() => this.feed?.checkLag(), 1000),
    );
  }

  /** Stops the attempt (idempotent); `done` resolves with `reason` unless it ended already. */
  stop(reason = 'stopped', options: { graceful?: boolean } = {}): Promise<string> {
    this.gracefulStop = options.graceful ?? false;
    this.end(reason);
    return this.done;
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    this.tap?.close();
    this.feed?.close();
    const child = this.child;
    const forwarder = this.forwarder;
    if (child && !this.spawnFailed && child.exitCode === null && child.signalCode === null) {
      // The end of the input lets ffmpeg send what it holds; a relay that does not exit promptly is killed.
      child.stdin?.end();
      const kill = setTimeout(() => child.kill('SIGKILL'), this.gracefulStop ? 2_000 : 0);
      child.once('exit', () => {
        clearTimeout(kill);
        forwarder?.close(reason);
        this.finish(reason);
      });
    } else {
      forwarder?.close(reason);
      this.finish(reason);
    }
  }
}
