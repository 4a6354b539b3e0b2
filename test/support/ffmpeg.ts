/**
 * Real encoders and probes for end-to-end tests: ffmpeg publishing a lavfi test pattern (with a tone)
 * over RTMP as OBS would, and ffprobe reading what the plane serves. Every process started here is
 * tracked and killed by `stopAll` (call it in an after hook).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const running = new Set<ChildProcess>();

export interface PublishOptions {
  url: string;
  width?: number;
  height?: number;
  fps?: number;
  /** Keyframe interval in seconds. */
  gopSeconds?: number;
  seconds?: number;
  audio?: boolean;
  video?: boolean;
  videoBitrate?: string;
  /** Container for `url`: `flv` (RTMP/RTMPS, the default) or `mpegts` (SRT, HTTP push). */
  format?: 'flv' | 'mpegts';
  /** Extra output options before the URL (e.g. `-method PUT` for HTTP push). */
  outputArgs?: string[];
  /** lavfi video source (default `testsrc2`; e.g. `smptebars`, `testsrc`), to tell two encoders apart. */
  pattern?: string;
  /** Tone in Hz (default 440). */
  frequency?: number;
}

export interface Publisher {
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function publish(options: PublishOptions): Publisher {
  const { width = 1280, height = 720, fps = 30, gopSeconds = 2, seconds = 20, audio = true, video = true } = options;
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'];
  if (video) args.push('-f', 'lavfi', '-i', `${options.pattern ?? 'testsrc2'}=size=${width}x${height}:rate=${fps}`);
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=${options.frequency ?? 440}:sample_rate=48000`);
  args.push('-t', String(seconds));
  if (video) {
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(Math.round(fps * gopSeconds)), '-keyint_min', String(Math.round(fps * gopSeconds)), '-sc_threshold', '0');
    args.push('-b:v', options.videoBitrate ?? '2500k', '-maxrate', options.videoBitrate ?? '2500k', '-bufsize', '5000k');
  }
  if (audio) args.push('-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2');
  args.push(...(options.outputArgs ?? []), '-f', options.format ?? 'flv', options.url);
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    process: child,
    exited,
    stderr: () => err,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
}

export async function ffprobeStreams(url: string): Promise<{ streams: ProbedStream[]; format: { duration?: string } }> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', url], { timeout: 60_000 });
  return JSON.parse(stdout) as { streams: ProbedStream[]; format: { duration?: string } };
}

/** Decodes every frame of the input; resolves with the decoded video size and frame count. */
export async function decodeFully(url: string): Promise<{ ok: boolean; stderr: string }> {
  try {
    const { stderr } = await execFileAsync('ffmpeg', ['-v', 'error', '-nostdin', '-i', url, '-f', 'null', '-'], { timeout: 120_000 });
    return { ok: true, stderr };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: string }).stderr ?? err) };
  }
}

/** ffmpeg processes currently running on the machine whose command line contains `needle`. */
export async function ffmpegProcessesMatching(needle: string): Promise<number[]> {
  const { stdout } = await execFileAsync('ps', ['-eo', 'pid=,comm=,args=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm, ...args]) => comm === 'ffmpeg' && args.join(' ').includes(needle))
    .map(([pid]) => Number(pid));
}
