/**
 * Carries an authorized MPEG-TS feed (an SRT caller, an HTTP push body) into the plane's RTMP listener on
 * loopback: one ffmpeg remuxing `-c copy` from its stdin to `rtmp://127.0.0.1:PORT/handoff/TOKEN`, so the
 * feed joins exactly the path an RTMP publish takes (ladder, recording, events). No decoding happens here.
 *
 * Must never: put a stream key on a command line (only the single-use handoff token), outlive `stop` or
 * the plane (stdin closing ends ffmpeg), or buffer without bound when ffmpeg falls behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Logger } from '../../../../core/ports/logger';
import { HANDOFF_APP } from './publish-handoffs';

export interface TsRelayOptions {
  ffmpegPath: string;
  rtmpPort: number;
  token: string;
  /** The bytes already read to recognise the feed, then the rest of it. */
  head: Buffer;
  source: Readable;
  logger: Logger;
  /** Input waiting for ffmpeg beyond this pauses the source (TCP / SRT flow control takes over). */
  highWaterBytes?: number;
}

export interface TsRelay {
  readonly pid: number | undefined;
  /** Resolves when ffmpeg exited (the feed ended, the RTMP leg was cut, or `stop`). */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): void;
}

export function relayArgs(rtmpPort: number, token: string): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // ffmpeg's default 5 s probe would hold the stream back that long; the codecs show up within a second.
    '-probesize', '2M', '-analyzeduration', '1500000',
    '-f', 'mpegts', '-i', 'pipe:0',
    '-map', '0:v:0?', '-map', '0:a:0?',
    '-c', 'copy',
    '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/${HANDOFF_APP}/${token}`,
  ];
}

export function startTsRelay(options: TsRelayOptions): TsRelay {
  const child: ChildProcess = spawn(options.ffmpegPath, relayArgs(options.rtmpPort, options.token), { stdio: ['pipe', 'ignore', 'pipe'], shell: false });
  const stdin = child.stdin!;
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
  });
  stdin.on('error', () => {
    /* ffmpeg went away (EPIPE): `done` reports it */
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      options.logger.error('relay: ffmpeg could not start', { error: err.message });
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal === null && stderrTail.trim()) options.logger.warn('relay: ffmpeg exited', { code, stderr: stderrTail.trim().split('\n').slice(-3).join(' | ').replaceAll(options.token, '…') });
      resolve({ code, signal });
    });
  });
  stdin.write(options.head);
  const highWater = options.highWaterBytes ?? 4 * 1024 * 1024;
  const onData = (chunk: Buffer) => {
    if (stdin.destroyed) return;
    if (!stdin.write(chunk) && stdin.writableLength > highWater) {
      options.source.pause();
      stdin.once('drain', () => options.source.resume());
    }
  };
  options.source.on('data', onData);
  // The front end paused the source while it sniffed the head and asked the gate.
  options.source.resume();
  const endInput = () => {
    if (!stdin.destroyed) stdin.end();
  };
  options.source.once('end', endInput);
  options.source.once('close', endInput);
  options.source.once('error', endInput);
  let killTimer: NodeJS.Timeout | undefined;
  void done.then(() => {
    if (killTimer) clearTimeout(killTimer);
    options.source.off('data', onData);
  });
  return {
    get pid() {
      return child.pid;
    },
    done,
    stop() {
      endInput();
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
      killTimer.unref();
    },
  };
}
