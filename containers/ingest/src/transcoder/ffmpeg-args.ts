/**
 * The ffmpeg command line for one live stream, from its ladder plan: decode once, split and scale in one
 * filter graph (lower rungs scaled from an already scaled picture when that is cheaper), one x264 per
 * encoded rung with keyframes at the same instants on every rung, the source's video copied for a
 * passthrough top rung, and each rendition written as MPEG-TS segments plus a CSV segment list that the
 * packager follows. Pure: builds strings, never runs anything.
 *
 * Must never: use a shell (arguments are passed as an array), put a stream key on the command line (the
 * input is a pipe), or write HLS playlists (the packager owns them and their numbering).
 */
import { join } from 'node:path';
import type { LadderPlan, Rendition } from '../../../../core/transcode/ladder';
import { teeWithLowLatency } from './ll-ffmpeg-args';

/** The fragmented MP4 a low-latency rendition writes next to its segments (the LL packager reads it). */
export const LL_SCRATCH_FILE = 'll.mp4';

export interface TranscodeIo {
  /** `pipe:0` for the live FLV on stdin, or a file (benchmarks). */
  input: string;
  inputFormat?: 'flv';
  /** Scratch folder of this run; each rendition writes into `<outputDir>/<name>/`. */
  outputDir: string;
  /**
   * A small JPEG of the latest keyframe, rewritten (atomically) every `intervalSeconds` of media. Taken
   * from the frames the ladder already decodes and scales (the smallest encoded rung's picture), so it
   * costs no second decode; with no encoded rung only keyframes are decoded for it.
   */
  thumbnail?: { path: string; intervalSeconds: number; height?: number };
  /**
   * Feeds with several inputs (fallback files, slate): the whole input part of the command, used instead
   * of `-f inputFormat -i input`, with the streams (or filter labels, in brackets) video and audio come
   * from and filter chains that make them. Defaults: input 0's first video and audio streams.
   */
  inputs?: { args: string[]; video?: string; audio?: string; filter?: string };
  /** `latencyMode: low`: each rendition also writes fragmented MP4 for the LL packager (ll-ffmpeg-args.ts), and encoded rungs use X264_LOW_LATENCY_PARAMS (no encoder delay). */
  lowLatency?: boolean;
}

/** Height of thumbnails unless asked otherwise: small, the width follows the source's aspect ratio. */
export const THUMBNAIL_HEIGHT = 180;

/**
 * x264 settings of every encoded rung, chosen with `npm run bench:transcode` against a `veryfast` ladder:
 * the same quality per bit at our rates for clearly less CPU (whole-command figures in the bench).
 * - `superfast`: diamond motion search, cheap sub-pixel refinement — where most of the CPU goes;
 * - macroblock-tree rate control with a 10-frame lookahead, which `superfast` turns off: it moves bits to
 *   what later frames reuse, the largest gain per CPU-second of all settings tried (static and slow
 *   content above all);
 * - below 1080p, two reference frames and 8x8 inter partitions back: cheap with diamond search, and they
 *   recover most of what `superfast` loses on moving detail (1080p and above: X264_TOP_DETAIL);
 * - High profile (8x8 transforms, CABAC), which every HLS client decodes.
 * - `sync-lookahead=0`: the lookahead runs in step with the encoder instead of a thread of its own that
 *   buffers frames ahead: the same pictures and bits (x264's output does not depend on it) and 8 frames
 *   (267 ms at 30 fps) less delay between a frame going in and its packet coming out (24 instead of 32).
 * Tried and not worth it here: subme 2 (+12 % CPU for less than ref 2 + p8x8 gives), trellis, longer
 * lookahead, weaker deblocking, lower qcomp.
 */
export const X264_PRESET = 'superfast';
/** Two reference frames and 8x8 inter partitions: what rungs below 1080p get back from `superfast`. */
const X264_DETAIL = 'ref=2:partitions=i8x8,i4x4,p8x8,b8x8';
/**
 * An encoded rung of 1080p or more (the top rung of a source above the passthrough cap, with a long GOP,
 * 1440p/2160p, or not H.264) keeps `superfast`'s one reference frame and its partitions: measured with
 * bench/transcode-levers.ts (`top-ref1-p8x8-off`, quiet machine, best of 3), the whole command's CPU fell
 * 4.8–5.9 % on `1080p30-10M` and 8.6 % on `1440p30-12M` at the same 1080p Y-PSNR (37.04 vs 37.04–37.08 dB,
 * 39.89 vs 39.78 dB) and bitrate, and an easy 1080p source (testsrc) kept its bits and PSNR: at this size
 * motion is coarse next to the picture, so the extra reference and the small partitions rarely win. The
 * same change on the 720p rung saves CPU on hard content but costs easy content 5 % more bits, so it stays.
 */
const X264_TOP_DETAIL = 'ref=1:partitions=i8x8,i4x4';
/** Rungs whose shorter side is at least this use X264_TOP_DETAIL. */
const X264_TOP_MIN_SHORT_SIDE = 1080;
const X264_NORMAL_RC = 'mbtree=1:rc-lookahead=10:sync-lookahead=0';
const X264_LOW_LATENCY_RC = 'mbtree=0:rc-lookahead=0:bframes=0:sync-lookahead=0:sliced-threads=1';
export const X264_PARAMS = `${X264_NORMAL_RC}:${X264_DETAIL}`;
/**
 * x264 settings of every encoded rung in `latencyMode: low`: no frame of delay in the encoder. The
 * macroblock tree needs its lookahead (10 frames here cost 24 frames of delay, 0.8 s at 30 fps, which is
 * most of what a low-latency viewer waits beyond PART-HOLD-BACK), B-frames wait for the frame after them,
 * and frame threads hold one frame each; so low mode turns off mbtree, lookahead and B-frames and splits
 * each frame into slices across threads instead. Measured (854x480 hard content at the VBV cap, README):
 * 0 frames of delay instead of 24, −0.3 dB PSNR at about the same bitrate, 9 % less CPU.
 * The rest (preset, refs, partitions, CRF, VBV, GOP) is the normal ladder's.
 */
export const X264_LOW_LATENCY_PARAMS = `${X264_LOW_LATENCY_RC}:${X264_DETAIL}`;
/** x264 settings of an encoded rung of 1080p or more (X264_TOP_DETAIL); the README's benchmark section. */
export const X264_TOP_PRESET = X264_PRESET;
export const X264_TOP_PARAMS = `${X264_NORMAL_RC}:${X264_TOP_DETAIL}`;
export const X264_TOP_LOW_LATENCY_PARAMS = `${X264_LOW_LATENCY_RC}:${X264_TOP_DETAIL}`;

/** The `-x264-params` of one encoded rung. */
function x264ParamsFor(r: Pick<Rendition, 'width' | 'height'>, lowLatency: boolean): string {
  const top = shortSide(r) >= X264_TOP_MIN_SHORT_SIDE;
  if (lowLatency) return top ? X264_TOP_LOW_LATENCY_PARAMS : X264_LOW_LATENCY_PARAMS;
  return top ? X264_TOP_PARAMS : X264_PARAMS;
}
/** Capped quality: CRF keeps easy content cheap, the VBV cap (the rung's maxrate) bounds the hard. */
export const X264_CRF = 21;
/**
 * The scaler of every rung: zimg (`zscale`) with the same bicubic kernel as swscale's default (B=0, C=0.6),
 * about 30 % cheaper than swscale for our three scales. Bilinear or area would save a little more but lose
 * 1.5–5 dB of fine detail; lanczos costs more. zimg also honours the source's chroma siting (H.264: left),
 * which swscale ignores.
 */
export const SCALE_FILTER = 'zscale';
export const SCALE_PARAMS = 'filter=bicubic:param_a=0:param_b=0.6';
/** A rung is scaled from an already scaled picture only if that is at least this much larger. */
const CASCADE_MIN_RATIO = 1.5;

export const SEGMENT_FILE_PATTERN = 'seg_%06d.ts';
export const SEGMENT_LIST_FILE = 'segments.csv';

export function segmentListPath(outputDir: string, rendition: string): string {
  return join(outputDir, rendition, SEGMENT_LIST_FILE);
}

export function buildTranscodeArgs(plan: LadderPlan, io: TranscodeIo): string[] {
  if (plan.renditions.length === 0) throw new Error('buildTranscodeArgs: the plan has no renditions');
  for (const r of plan.renditions) {
    // Rendition names become paths: refuse anything that could leave the output folder.
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(r.name)) throw new Error(`buildTranscodeArgs: rendition name ${JSON.stringify(r.name)} is not a safe folder name`);
  }
  const fromStdin = io.input === '-' || io.input.startsWith('pipe:');
  const args = [
    '-hide_banner',
    '-loglevel', 'warning',
    // Machine-readable progress (key=value lines) on stderr, next to warnings, once a second.
    '-nostats', '-progress', 'pipe:2', '-stats_period', '1',
  ];
  // ffmpeg turns off its keyboard commands by itself when reading `pipe:`; any other input must not
  // let it read the terminal or a stray stdin.
  if (!fromStdin) args.push('-nostdin');
  const video = plan.renditions.filter((r) => r.kind === 'video');
  const thumbnail = io.thumbnail && video.length > 0 ? io.thumbnail : undefined;
  const encodesVideo = video.some((r) => !r.passthrough);
  args.push(...decoderArgs(video, thumbnail !== undefined, io.inputs === undefined ? plan.sourceVideo : undefined));
  const videoIn = io.inputs?.video ?? '0:v:0';
  const audioIn = io.inputs?.audio ?? '0:a:0';
  if (io.inputs) args.push(...io.inputs.args);
  else {
    if (io.inputFormat) args.push('-f', io.inputFormat);
    args.push('-i', io.input);
  }

  const graph = filterGraph(video, thumbnail, unbracket(videoIn), io.inputs ? undefined : plan.sourceVideo);
  const filters = [io.inputs?.filter, graph.filter].filter((f): f is string => Boolean(f));
  if (filters.length > 0) args.push('-filter_complex', filters.join(';'));

  for (const r of plan.renditions) {
    if (r.kind === 'video') {
      if (r.passthrough) args.push('-map', videoIn, '-c:v', 'copy');
      else args.push('-map', `[${graph.outputs.get(r.name)}]`, ...x264Args(r, plan, io.lowLatency ?? false));
      // A rung at a fraction of the source's rate (frameStep): its frames last 1/fps, not the source's
      // frame time, so the segment list (EXTINF) gives the segment's real length. No frame is dropped or
      // duplicated (fps_mode passthrough below).
      if (!r.passthrough && (r.frameStep ?? 1) > 1 && r.fps) args.push('-r:v', String(r.fps));
      // Frames keep their input timestamps: no duplicated or dropped frames, identical across rungs.
      args.push('-fps_mode:v', 'passthrough');
    }
    if (plan.audio) {
      args.push('-map', audioIn);
      if (plan.audio.passthrough) args.push('-c:a', 'copy');
      else args.push('-c:a', 'aac', '-b:a', `${plan.audio.bitrateKbps}k`, '-ar', String(plan.audio.sampleRate), '-ac', String(plan.audio.channels));
    }
    const segments = segmentArgs(r, plan, io.outputDir);
    args.push(...(io.lowLatency ? teeWithLowLatency(segments, join(io.outputDir, r.name, LL_SCRATCH_FILE)) : segments));
  }
  if (thumbnail && graph.thumbnail) {
    // One JPEG every few seconds: one encoder thread, and (with no rung encoded) one filter thread.
    if (!encodesVideo) args.push('-filter_complex_threads', '1', '-threads', '1');
    args.push(
      '-map', `[${graph.thumbnail}]`,
      // Limited-range 4:2:0 as decoded: no range conversion (and no deprecation warning per frame).
      '-c:v', 'mjpeg', '-strict', 'unofficial', '-q:v', '5',
      '-fps_mode:v', 'passthrough',
      '-f', 'image2', '-update', '1', '-atomic_writing', '1',
      thumbnail.path,
    );
  }
  return args;
}

/**
 * A source up to 1080p30 whose top rung is copied is decoded on one thread. The decoder's default frame
 * threads (cores + 1) each hold a frame in flight and hand pictures across threads, work that the lower
 * rungs' encoders then wait on: measured with bench/transcode-levers.ts (`decode-threads-1`, best of 3,
 * lower in each of the three pairs), the whole command's CPU fell 2.3 % on `1080p30-4.5M`, identical
 * output, still 0.6 s of wall time per media second. Not when every rung is encoded: there the CPU figures
 * moved either way within the noise (−4 % to +4 % on `1080p30-10M`, ±1 % with the 8 s GOP) while the wall
 * time grew every time (9.3 → 9.6 s and 11.2 → 11.8 s per 10 s on two cores), and an encoding ladder has
 * no real-time margin to give. Larger picture rates never: one thread does not keep up beside the encoders
 * (ffmpeg 5 decodes, filters and feeds encoders on one thread; `2160p30-20M` took 12–13 s per 10 s), and
 * `1080p60-6M` gained nothing.
 */
const SINGLE_THREAD_DECODE_MAX_PIXEL_RATE = 1920 * 1080 * 30;

/** The video decoder's options (before the input); `source` only for a single live input. */
function decoderArgs(video: Rendition[], thumbnail: boolean, source: LadderPlan['sourceVideo']): string[] {
  const encodes = video.some((r) => !r.passthrough);
  // Nothing else decodes the video: the thumbnail alone needs only keyframes decoded (copy is unaffected),
  // one every few seconds, so one decoder thread: frame threads would each hold a decoder context and
  // frames (−4 MB of a passthrough stream's ~28 MB, bench:density), for no speed anyone waits for.
  if (thumbnail && !encodes) return ['-skip_frame', 'nokey', '-threads', '1'];
  const copiesTop = video.some((r) => r.passthrough);
  if (encodes && copiesTop && source?.fps && source.width * source.height * source.fps <= SINGLE_THREAD_DECODE_MAX_PIXEL_RATE * 1.01) return ['-threads', '1'];
  return [];
}

/** Keyframes only, at most one per `intervalSeconds` of media, scaled down to `height` (even width). */
function thumbnailChain(input: string, thumbnail: NonNullable<TranscodeIo['thumbnail']>, output: string): string {
  const interval = Math.max(1, Math.round(thumbnail.intervalSeconds));
  const height = thumbnail.height ?? THUMBNAIL_HEIGHT;
  return `[${input}]select='key*(isnan(prev_selected_t)+gte(t-prev_selected_t,${interval}))',scale=w=-2:h=${height},format=yuv420p[${output}]`;
}

function x264Args(r: Rendition, plan: LadderPlan, lowLatency: boolean): string[] {
  const gop = r.gopFrames ?? Math.round(plan.segmentSeconds * (r.fps ?? 30));
  // With a passthrough top rung, encoded rungs must put their keyframes exactly where the source has
  // them, or segments would not line up across renditions; otherwise keyframes go on segment boundaries.
  const passthroughTop = plan.renditions.some((x) => x.kind === 'video' && x.passthrough);
  const forceKeyFrames = passthroughTop ? 'source' : `expr:gte(t,n_forced*${plan.segmentSeconds})`;
  const level = levelOf(r.codecs);
  return [
    '-c:v', 'libx264',
    '-preset', X264_PRESET,
    '-profile:v', profileOf(r.codecs),
    ...(level ? ['-level:v', level] : []),
    '-pix_fmt', 'yuv420p',
    '-crf', String(X264_CRF),
    '-maxrate', `${r.maxrateKbps}k`,
    '-bufsize', `${r.bufsizeKbps}k`,
    '-g', String(gop),
    '-keyint_min', String(gop),
    '-sc_threshold', '0',
    '-force_key_frames', forceKeyFrames,
    '-x264-params', x264ParamsFor(r, lowLatency),
    // Frames keep the input's millisecond timestamps instead of snapping to a 1/fps grid, so an
    // encoded frame carries exactly the timestamp of the same frame in a copied rung.
    '-enc_time_base:v', '-1',
  ];
}

function segmentArgs(r: Rendition, plan: LadderPlan, outputDir: string): string[] {
  const dir = join(outputDir, r.name);
  // Keyframes land on frame timestamps that FLV rounds to the millisecond; half a frame of slack keeps
  // a keyframe a hair before the boundary from pushing the cut a whole GOP later.
  const delta = r.fps ? (1 / (2 * r.fps)).toFixed(4) : undefined;
  return [
    '-max_muxing_queue_size', '1024',
    // No per-output shift to make timestamps non-negative: B-frame delay differs between a copied and an
    // encoded rung, and the shift would put the same frame at different times in different renditions
    // (MPEG-TS adds its own positive offset anyway).
    '-avoid_negative_ts', 'disabled',
    '-f', 'segment',
    '-segment_time', String(plan.segmentSeconds),
    ...(delta ? ['-segment_time_delta', delta] : []),
    '-segment_format', 'mpegts',
    '-segment_format_options', 'avoid_negative_ts=disabled',
    '-reset_timestamps', '0',
    '-segment_list', join(dir, SEGMENT_LIST_FILE),
    '-segment_list_type', 'csv',
    '-segment_list_flags', '+live',
    join(dir, SEGMENT_FILE_PATTERN),
  ];
}

interface Picture {
  rendition: Rendition;
  short: number;
  parent: Picture | undefined;
  children: Picture[];
}

/**
 * One decode feeds every encoded rung. Each rung is scaled from the smallest picture already made that is
 * at least CASCADE_MIN_RATIO times larger (reading a 720p frame is 2.25× cheaper than a 1080p one), and
 * from the decoded source otherwise (a rung of the source's own size takes the decoded picture as it is);
 * a picture used more than once is split. A 1440p/2160p source is so scaled down once, to the top rung,
 * and every lower rung reads that smaller picture.
 */
function filterGraph(video: Rendition[], thumbnail: TranscodeIo['thumbnail'] | undefined, input: string, source?: LadderPlan['sourceVideo']): { filter: string | undefined; outputs: Map<string, string>; thumbnail?: string } {
  const outputs = new Map<string, string>();
  const encoded = video.filter((r) => !r.passthrough).sort((a, b) => shortSide(b) - shortSide(a));
  if (encoded.length === 0) {
    if (!thumbnail) return { filter: undefined, outputs };
    return { filter: thumbnailChain(input, thumbnail, 'vthumb'), outputs, thumbnail: 'vthumb' };
  }

  const roots: Picture[] = [];
  const made: Picture[] = [];
  for (const rendition of encoded) {
    const short = shortSide(rendition);
    const parent = [...made].reverse().find((p) => p.short >= short * CASCADE_MIN_RATIO);
    const picture: Picture = { rendition, short, parent, children: [] };
    if (parent) parent.children.push(picture);
    else roots.push(picture);
    made.push(picture);
  }

  const chains: string[] = [];
  let next = 0;
  const label = () => `p${next++}`;
  const rootLabels = roots.length > 1 ? roots.map(() => label()) : [input];
  if (roots.length > 1) chains.push(`[${input}]split=${roots.length}${rootLabels.map((l) => `[${l}]`).join('')}`);

  // The thumbnail branches off the smallest picture the ladder makes anyway: the cheapest to select from.
  const smallest = made[made.length - 1]!;
  const thumbLabel = thumbnail ? label() : undefined;
  const emit = (picture: Picture, from: string) => {
    const { width, height } = picture.rendition;
    const own = `v${picture.rendition.name}`;
    const childLabels = picture.children.map(() => label());
    // A rung at the decoded picture's own size (a 1080p source whose top rung is encoded) is not scaled:
    // measured 3–4 % of the whole command's CPU for a copy of every frame.
    const sameSize = !picture.parent && source !== undefined && width === source.width && height === source.height;
    // A rung at a fraction of the source's frame rate drops frames before it scales them (half the work).
    const step = (picture.rendition.frameStep ?? 1) / (picture.parent?.rendition.frameStep ?? 1);
    const filters = [
      ...(step > 1 ? [frameStepFilter(step)] : []),
      ...(sameSize ? [] : [`${SCALE_FILTER}=w=${width}:h=${height}:${SCALE_PARAMS}`]),
    ];
    const outs = [own, ...childLabels, ...(picture === smallest && thumbLabel ? [thumbLabel] : [])];
    if (outs.length > 1) filters.push(`split=${outs.length}`);
    if (filters.length === 0) filters.push('null');
    chains.push(`[${from}]${filters.join(',')}${outs.map((l) => `[${l}]`).join('')}`);
    outputs.set(picture.rendition.name, own);
    picture.children.forEach((child, i) => emit(child, childLabels[i]!));
  };
  roots.forEach((root, i) => emit(root, rootLabels[i]!));
  if (thumbnail && thumbLabel) {
    chains.push(thumbnailChain(thumbLabel, thumbnail, 'vthumb'));
    return { filter: chains.join(';'), outputs, thumbnail: 'vthumb' };
  }
  return { filter: chains.join(';'), outputs };
}

/**
 * Keeps every `step`-th frame, counted from the last kept one, and every source keyframe: with the top rung
 * copied, the rung's keyframes must fall on the source's (`-force_key_frames source`), whatever its GOP.
 */
function frameStepFilter(step: number): string {
  return `select='max(key,max(isnan(prev_selected_n),gte(n-prev_selected_n,${step})))'`;
}

/** `[label]` → `label` (a filter output); a stream specifier stays as it is. */
function unbracket(spec: string): string {
  return spec.startsWith('[') && spec.endsWith(']') ? spec.slice(1, -1) : spec;
}

function shortSide(r: Pick<Rendition, 'width' | 'height'>): number {
  return Math.min(r.width ?? 0, r.height ?? 0);
}

/**
 * The x264 profile the rung's codecs string advertises: `high` for every rung planned as encoded; the
 * source's own for an encoded stand-in of a copied rung (core/transcode/fast-start.ts), so the master
 * playlist stays true.
 */
function profileOf(codecs: string): 'baseline' | 'main' | 'high' {
  const idc = /avc1\.([0-9a-f]{2})/i.exec(codecs)?.[1]?.toLowerCase();
  return idc === '42' ? 'baseline' : idc === '4d' ? 'main' : 'high';
}

/** The `-level` value matching the level already written into the rendition's codecs string. */
function levelOf(codecs: string): string | undefined {
  const match = /avc1\.[0-9a-f]{4}([0-9a-f]{2})/i.exec(codecs);
  if (!match) return undefined;
  const idc = parseInt(match[1]!, 16);
  return `${Math.floor(idc / 10)}.${idc % 10}`;
}
