/**
 * The source matrix of `npm run bench:transcode`: every kind of source a publisher really sends (issue 16),
 * what each must make the ladder do, which target applies to it, and the ffmpeg arguments that generate it
 * as a streaming encoder would send it (CBR-ish H.264 + AAC-LC in FLV). Also the command-line options.
 *
 * Pure: builds data and argument arrays, never runs anything or reads the clock.
 */

export type Content = 'mandelbrot' | 'testsrc2';

export interface MatrixSource {
  /** Short id for `--sources` and the table, e.g. `1080p30-4.5M`. */
  id: string;
  /** The issue's number for this kind of source (1–7). */
  issue: number;
  /** What it is, for the table's legend. */
  label: string;
  video?: {
    width: number;
    height: number;
    fps: number;
    kbps: number;
    keyframeSeconds: number;
    /** mandelbrot: fine fractal detail under a steady zoom (hard); testsrc2: a test pattern (easy). */
    content: Content;
  };
  audioKbps: number;
  /** What the default ladder must decide for it: the bench fails loudly if the plan differs. */
  expectTop: 'passthrough' | 'encode' | 'none';
  /** Which target applies: less CPU with the top rung copied, no more CPU with it encoded, or audio only. */
  target: 'passthrough' | 'encode' | 'audio';
}

const mandelbrot: Content = 'mandelbrot';

export const MATRIX: readonly MatrixSource[] = [
  {
    id: '1080p30-4.5M', issue: 1, label: '1080p30 H.264 4.5 Mbps, 2 s keyframes (OBS default), hard content',
    video: { width: 1920, height: 1080, fps: 30, kbps: 4500, keyframeSeconds: 2, content: mandelbrot },
    audioKbps: 128, expectTop: 'passthrough', target: 'passthrough',
  },
  {
    id: '1080p30-4.5M-easy', issue: 1, label: 'the same with easy content (testsrc2)',
    video: { width: 1920, height: 1080, fps: 30, kbps: 4500, keyframeSeconds: 2, content: 'testsrc2' },
    audioKbps: 128, expectTop: 'passthrough', target: 'passthrough',
  },
  {
    id: '1080p30-10M', issue: 2, label: '1080p30 H.264 10 Mbps, 2 s keyframes: above the passthrough cap',
    video: { width: 1920, height: 1080, fps: 30, kbps: 10_000, keyframeSeconds: 2, content: mandelbrot },
    audioKbps: 128, expectTop: 'encode', target: 'encode',
  },
  {
    id: '1080p60-6M', issue: 3, label: '1080p60 H.264 6 Mbps, 2 s keyframes',
    video: { width: 1920, height: 1080, fps: 60, kbps: 6000, keyframeSeconds: 2, content: mandelbrot },
    audioKbps: 128, expectTop: 'passthrough', target: 'passthrough',
  },
  {
    id: '1440p30-12M', issue: 4, label: '1440p30 H.264 12 Mbps, 2 s keyframes: top rung scaled to 1080p',
    video: { width: 2560, height: 1440, fps: 30, kbps: 12_000, keyframeSeconds: 2, content: mandelbrot },
    audioKbps: 128, expectTop: 'encode', target: 'encode',
  },
  {
    id: '2160p30-20M', issue: 4, label: '2160p30 H.264 20 Mbps, 2 s keyframes: top rung scaled to 1080p',
    video: { width: 3840, height: 2160, fps: 30, kbps: 20_000, keyframeSeconds: 2, content: mandelbrot },
    audioKbps: 128, expectTop: 'encode', target: 'encode',
  },
  {
    id: '1080p30-gop8', issue: 5, label: '1080p30 H.264 4.5 Mbps, keyframes every 8 s (long GOP)',
    video: { width: 1920, height: 1080, fps: 30, kbps: 4500, keyframeSeconds: 8, content: mandelbrot },
    audioKbps: 128, expectTop: 'encode', target: 'encode',
  },
  {
    id: '720p30-3M', issue: 6, label: '720p30 H.264 3 Mbps, 2 s keyframes (no 1080p rung)',
    video: { width: 1280, height: 720, fps: 30, kbps: 3000, keyframeSeconds: 2, content: mandelbrot },
    audioKbps: 128, expectTop: 'passthrough', target: 'passthrough',
  },
  { id: 'audio-only', issue: 7, label: 'AAC-LC 128 kbps stereo, no video', audioKbps: 128, expectTop: 'none', target: 'audio' },
];

/** Targets of issue 16, by the kind of source. */
export const TARGETS = {
  /** Top rung copied: at least this many times less CPU than the baseline (stretch: 2×). */
  passthroughCpuRatio: 1.8,
  /** Top rung encoded: the whole ladder at no more CPU than the baseline's three rungs. */
  encodeCpuRatio: 1.0,
  /** 720p Y-PSNR at most this far below the baseline's, at no higher bitrate (passthrough sources). */
  psnrDropDb: 0.3,
  /** The plane's Node process (ingest, packager, uploads) against the CPU of its ffmpeg. */
  planeOverheadFraction: 0.03,
} as const;

/** The CPU ratio a source must reach (baseline CPU / ours), or undefined when none applies. */
export function cpuTarget(source: MatrixSource): number | undefined {
  if (source.target === 'passthrough') return TARGETS.passthroughCpuRatio;
  if (source.target === 'encode') return TARGETS.encodeCpuRatio;
  // Audio only: ours copies the AAC, so any ratio would only measure process start-up.
  return undefined;
}

/** ffmpeg arguments that make `seconds` of this source as an encoder would send it, into `flv`. */
export function sourceArgs(source: MatrixSource, seconds: number, flv: string): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  const v = source.video;
  if (v) args.push('-f', 'lavfi', '-i', `${v.content}=size=${v.width}x${v.height}:rate=${v.fps}`);
  args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds));
  if (v) {
    const gop = Math.round(v.keyframeSeconds * v.fps);
    args.push(
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
      '-b:v', `${v.kbps}k`, '-maxrate', `${v.kbps}k`, '-bufsize', `${2 * v.kbps}k`,
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    );
  }
  args.push('-c:a', 'aac', '-b:a', `${source.audioKbps}k`, '-ac', '2', '-f', 'flv', flv);
  return args;
}

export interface BenchOptions {
  sources: MatrixSource[];
  seconds: number;
  repeat: number;
  /** Measure the whole plane (Node process vs its ffmpeg) on the first passthrough source. */
  overhead: boolean;
  /** Where the results go (default `.bench/transcode.json`), e.g. to run parts of the matrix side by side. */
  out: string;
}

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/**
 * `--sources id,id|N` (ids or the issue's numbers), `--seconds N` (4–60, default 10), `--repeat N` (1–5,
 * default 2; env BENCH_REPEAT too), `--no-overhead`, `--out FILE` (default .bench/transcode.json).
 */
export function parseBenchArgs(argv: readonly string[], env: { BENCH_REPEAT?: string } = {}): BenchOptions {
  let sources = [...MATRIX];
  let seconds = 10;
  let repeat = env.BENCH_REPEAT !== undefined ? Number(env.BENCH_REPEAT) : 2;
  let overhead = true;
  let out = '.bench/transcode.json';
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new BenchUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--sources': {
        const wanted = value().split(',').map((s) => s.trim()).filter(Boolean);
        sources = wanted.flatMap((w) => {
          const found = /^\d+$/.test(w) ? MATRIX.filter((s) => s.issue === Number(w)) : MATRIX.filter((s) => s.id === w);
          if (found.length === 0) throw new BenchUsageError(`unknown source ${JSON.stringify(w)}; known: ${MATRIX.map((s) => s.id).join(', ')} (or 1–7)`);
          return found;
        });
        sources = [...new Set(sources)];
        break;
      }
      case '--seconds':
        seconds = Number(value());
        break;
      case '--repeat':
        repeat = Number(value());
        break;
      case '--out':
        out = value();
        break;
      case '--no-overhead':
        overhead = false;
        break;
      default:
        throw new BenchUsageError(`unknown option ${flag}; use --sources, --seconds, --repeat, --no-overhead, --out`);
    }
  }
  if (!Number.isInteger(seconds) || seconds < 4 || seconds > 60) throw new BenchUsageError(`--seconds must be a whole number from 4 to 60, got ${seconds}`);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 5) throw new BenchUsageError(`--repeat must be a whole number from 1 to 5, got ${repeat}`);
  return { sources, seconds, repeat, overhead, out };
}
