/**
 * What the publisher sends, from the first seconds of its FLV: codecs, size, frame rate, bitrate and how
 * far apart its keyframes are — the facts the ladder's passthrough decision rests on. ffprobe reads the
 * bytes on stdin; `sourceInfoFromProbe` turns its JSON into a `SourceInfo` and is pure.
 *
 * Must never hang (a timeout kills ffprobe), use a shell, or hold an unbounded amount of ffprobe output.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { nominalFrameRate } from '../../../../core/transcode/frame-rate';
import type { SourceInfo } from '../../../../core/transcode/ladder';

export class SourceProbeError extends Error {
  override readonly name = 'SourceProbeError';
  readonly code = 'source_probe_failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The part of a ChildProcess the probe uses (so tests can hand in a fake). */
export interface ProbeProcess {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'error', listener: (err: Error) => void): this;
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
}

export interface ProbeOptions {
  /** Default `ffprobe` (found on PATH). */
  ffprobePath?: string;
  /** ffprobe is killed and the probe fails after this long. Default 5000. */
  timeoutMs?: number;
  spawn?: (command: string, args: readonly string[], options: { stdio: ['pipe', 'pipe', 'ignore'] }) => ProbeProcess;
}

/** ffprobe's JSON beyond this is not a few seconds of FLV; stop reading rather than buffer it. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export const FFPROBE_ARGS: readonly string[] = [
  '-v', 'error',
  '-f', 'flv',
  '-i', 'pipe:0',
  '-show_entries',
  'stream=index,codec_type,codec_name,profile,level,width,height,r_frame_rate,avg_frame_rate,bit_rate,sample_rate,channels' +
    ':packet=codec_type,stream_index,pts_time,dts_time,size,flags',
  '-of', 'json',
];

/** Probes buffered FLV (starting with the FLV header). Rejects with SourceProbeError, never hangs. */
export async function probeSource(flv: Buffer, options: ProbeOptions = {}): Promise<SourceInfo> {
  const spawnFn = options.spawn ?? (nodeSpawn as unknown as NonNullable<ProbeOptions['spawn']>);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const child = spawnFn(options.ffprobePath ?? 'ffprobe', FFPROBE_ARGS, { stdio: ['pipe', 'pipe', 'ignore'] });

  const output = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let failure: SourceProbeError | undefined;
    const fail = (error: SourceProbeError) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => fail(new SourceProbeError(`ffprobe gave no answer within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_OUTPUT_BYTES) return fail(new SourceProbeError(`ffprobe wrote more than ${MAX_OUTPUT_BYTES} bytes`));
      chunks.push(chunk);
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new SourceProbeError(`ffprobe could not be run: ${err.message}`, { cause: err }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      // ffprobe exits non-zero on the truncated last tag of a buffer cut mid-stream; what it printed
      // before that is still a valid answer, so the JSON decides.
      if (bytes === 0) return reject(new SourceProbeError(`ffprobe exited with code ${code} and no output`));
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    // ffprobe may stop reading before the end (and exit): that is not an error of ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(flv);
  });

  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch (err) {
    throw new SourceProbeError('ffprobe output is not JSON', { cause: err });
  }
  return sourceInfoFromProbe(json);
}

const numeric = z.union([z.number(), z.string()]).optional();
const probeJson = z.object({
  streams: z
    .array(
      z.object({
        index: z.number(),
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        profile: z.string().optional(),
        level: z.number().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        r_frame_rate: z.string().optional(),
        avg_frame_rate: z.string().optional(),
        bit_rate: numeric,
        sample_rate: numeric,
        channels: z.number().optional(),
      }),
    )
    .default([]),
  packets: z
    .array(
      z.object({
        stream_index: z.number(),
        pts_time: numeric,
        dts_time: numeric,
        size: numeric,
        flags: z.string().optional(),
      }),
    )
    .default([]),
});

type ProbePacket = z.infer<typeof probeJson>['packets'][number];


/** ffprobe JSON (`-show_entries stream=…:packet=…`) → SourceInfo. Throws SourceProbeError if it has no media. */
export function sourceInfoFromProbe(json: unknown): SourceInfo {
  const parsed = probeJson.safeParse(json);
  if (!parsed.success) throw new SourceProbeError(`ffprobe JSON has an unexpected shape: ${parsed.error.message}`);
  const { streams, packets } = parsed.data;
  const info: SourceInfo = {};

  const video = streams.find((s) => s.codec_type === 'video' && s.codec_name && s.width && s.height);
  if (video) {
    const timed = packetsOf(packets, video.index);
    const declaredFps = rate(video.avg_frame_rate) ?? rate(video.r_frame_rate);
    const observedFps = observedRate(timed);
    const fps = chooseFps(declaredFps, observedFps);
    const frameSeconds = 1 / fps;
    info.video = {
      codec: video.codec_name!,
      width: video.width!,
      height: video.height!,
      fps,
    };
    if (video.profile) info.video.profile = video.profile;
    if (video.level !== undefined && video.level > 0) info.video.level = video.level;
    const bitrate = videoBitrate(timed, frameSeconds) ?? kbps(video.bit_rate);
    if (bitrate !== undefined) info.video.bitrateKbps = bitrate;
    const gop = keyframeInterval(timed);
    if (gop !== undefined) info.video.keyframeIntervalSeconds = gop;
  }

  const audio = streams.find((s) => s.codec_type === 'audio' && s.codec_name);
  if (audio) {
    const sampleRate = num(audio.sample_rate);
    info.audio = {
      codec: audio.codec_name!,
      sampleRate: sampleRate ?? 0,
      channels: audio.channels ?? 0,
    };
    if (audio.profile) info.audio.profile = audio.profile;
    const bitrate = kbps(audio.bit_rate) ?? spanBitrate(packetsOf(packets, audio.index));
    if (bitrate !== undefined) info.audio.bitrateKbps = bitrate;
  }

  if (!info.video && !info.audio) throw new SourceProbeError('the source has neither audio nor video');
  return info;
}

/** One video or audio packet's timing and size, in seconds (what the measurements below read). */
export interface TimedPacket {
  pts: number;
  /** Decode time: evenly spaced even when B-frames reorder presentation (a few packets' pts are not). */
  dts: number | undefined;
  size: number;
  key: boolean;
}

/** A stream's packets with a timestamp, in presentation order (B-frames arrive out of it). */
function packetsOf(packets: ProbePacket[], index: number): TimedPacket[] {
  const out: TimedPacket[] = [];
  for (const p of packets) {
    if (p.stream_index !== index) continue;
    const pts = num(p.pts_time) ?? num(p.dts_time);
    if (pts === undefined) continue;
    out.push({ pts, dts: num(p.dts_time), size: num(p.size) ?? 0, key: (p.flags ?? '').includes('K') });
  }
  return out.sort((a, b) => a.pts - b.pts);
}

export function observedRate(packets: TimedPacket[]): number | undefined {
  if (packets.length < 5) return undefined;
  // Over decode times when all have one: the first frames of a B-frame GOP span more presentation time.
  const times = packets.every((p) => p.dts !== undefined) ? packets.map((p) => p.dts as number).sort((a, b) => a - b) : packets.map((p) => p.pts);
  const span = times[times.length - 1]! - times[0]!;
  return span > 0 ? (packets.length - 1) / span : undefined;
}

/** The declared rate unless the packets plainly disagree; observed rates are snapped to standard ones. */
export function chooseFps(declared: number | undefined, observed: number | undefined): number {
  // Both are measured on FLV's millisecond timestamps (a 30 fps source reads 30.303): snapped to the
  // nominal rate the encoder was set to (core/transcode/frame-rate.ts), which FRAME-RATE advertises.
  if (declared !== undefined && (observed === undefined || Math.abs(declared - observed) / declared < 0.2)) return nominalFrameRate(declared);
  if (observed !== undefined) return nominalFrameRate(observed);
  return 30;
}

/**
 * Longest gap between consecutive keyframes, or (when the GOP still open at the end of the sample is
 * longer) that open GOP's length so far: a lower bound that can only make the verdict stricter.
 * Undefined with fewer than two keyframes: one keyframe says nothing about the distance to the next.
 */
export function keyframeInterval(packets: TimedPacket[]): number | undefined {
  const keys = packets.filter((p) => p.key).map((p) => p.pts);
  if (keys.length < 2) return undefined;
  let longest = 0;
  for (let i = 1; i < keys.length; i++) longest = Math.max(longest, keys[i]! - keys[i - 1]!);
  const frame = typicalFrameSeconds(packets);
  const openGop = packets[packets.length - 1]!.pts + frame - keys[keys.length - 1]!;
  return round3(Math.max(longest, openGop));
}

/**
 * Bits per second over whole GOPs when there are any (a sample cut mid-GOP would over-weigh its
 * keyframe), over the whole sample otherwise; undefined under one second of video.
 */
export function videoBitrate(packets: TimedPacket[], frameSeconds: number): number | undefined {
  const keys = packets.filter((p) => p.key);
  if (keys.length >= 2) {
    const first = keys[0]!.pts;
    const last = keys[keys.length - 1]!.pts;
    const bytes = packets.filter((p) => p.pts >= first && p.pts < last).reduce((sum, p) => sum + p.size, 0);
    return Math.round((bytes * 8) / (last - first) / 1000);
  }
  if (packets.length === 0) return undefined;
  const span = packets[packets.length - 1]!.pts - packets[0]!.pts + frameSeconds;
  if (span < 1) return undefined;
  return Math.round((packets.reduce((sum, p) => sum + p.size, 0) * 8) / span / 1000);
}

function spanBitrate(packets: TimedPacket[]): number | undefined {
  if (packets.length < 2) return undefined;
  const span = packets[packets.length - 1]!.pts - packets[0]!.pts;
  if (span < 1) return undefined;
  // The last packet's own duration is unknown here; n-1 packets cover the span.
  return Math.round((packets.slice(0, -1).reduce((sum, p) => sum + p.size, 0) * 8) / span / 1000);
}

export function typicalFrameSeconds(packets: TimedPacket[]): number {
  const rateObserved = observedRate(packets);
  return rateObserved ? 1 / rateObserved : 0;
}

function rate(text: string | undefined): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!match) return undefined;
  const value = Number(match[1]) / Number(match[2]);
  return Number.isFinite(value) && value > 0 && value <= 240 ? value : undefined;
}

function kbps(value: number | string | undefined): number | undefined {
  const bits = num(value);
  return bits !== undefined && bits > 0 ? Math.round(bits / 1000) : undefined;
}

function num(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number.parseFloat(value);
  return Number.isFinite(n) ? n : undefined;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
