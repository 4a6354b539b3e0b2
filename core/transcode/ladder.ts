/**
 * Ladder planning: from what the publisher sends (a probed `SourceInfo`) to the renditions we publish, with
 * the sizes, rates, keyframe spacing and RFC 6381 codecs strings every later stage (ffmpeg arguments,
 * packager, master playlist, events) relies on. Pure: no I/O, no clock, no ffmpeg specifics.
 *
 * Must never plan a rung above the source, an odd dimension for an encoded rung, or a passthrough rung
 * whose keyframes cannot be cut into segments of the planned length.
 */
import type { TranscodeDecision } from '../streams/stream';
import { ValidationError } from '../errors';

export interface SourceInfo {
  video?: {
    /** ffprobe codec_name, e.g. `h264`. */
    codec: string;
    /** ffprobe profile, e.g. `High`, `Main`, `Constrained Baseline`, `High 10`. */
    profile?: string;
    /** ffprobe level (H.264 level × 10, e.g. 40 for 4.0, 31 for 3.1). */
    level?: number;
    width: number;
    height: number;
    fps: number;
    bitrateKbps?: number;
    /**
     * Longest observed distance between keyframes, in seconds (or a lower bound when the GOP still open at
     * the end of the sample is already longer). Undefined if unknown.
     */
    keyframeIntervalSeconds?: number;
  };
  audio?: {
    /** ffprobe codec_name, e.g. `aac`, `mp3`. */
    codec: string;
    /** ffprobe profile, e.g. `LC`, `HE-AAC`. */
    profile?: string;
    sampleRate: number;
    channels: number;
    bitrateKbps?: number;
  };
}

export interface LadderOptions {
  /** Rung sizes (the short side: the height of landscape video). Default [1080, 720, 480, 360]. */
  rungs?: number[];
  /** Segment length, and so the keyframe spacing of every rung. Default 2. */
  segmentSeconds?: number;
  /** A source above this bitrate is re-encoded even when otherwise compatible. Default 8500 (IVS Standard's). */
  passthroughMaxBitrateKbps?: number;
  /** Bitrate of re-encoded AAC audio. Default 128. */
  audioBitrateKbps?: number;
  /** Highest frame rate of the rungs up to 480p (LOW_TIER_MAX_SHORT_SIDE). Default 30; `Infinity`: the source's. */
  lowTierMaxFps?: number;
}

export interface Rendition {
  /** Folder and playlist name: `1080p`, `720p`, …, or `audio`. */
  name: string;
  kind: 'video' | 'audio';
  width?: number;
  height?: number;
  fps?: number;
  /** Typical video bitrate (the passthrough rung: the source's). */
  videoBitrateKbps?: number;
  /** Encoder VBV cap; absent on a passthrough rung. */
  maxrateKbps?: number;
  bufsizeKbps?: number;
  /** The source's video is copied, not re-encoded (or, for the audio rendition, its audio). */
  passthrough: boolean;
  /** Peak bits per second for EXT-X-STREAM-INF BANDWIDTH: video cap + audio + container overhead. */
  bandwidth: number;
  /** Typical bits per second (AVERAGE-BANDWIDTH). */
  averageBandwidth: number;
  /** RFC 6381, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  /** Keyframe spacing in the rung's own frames (segmentSeconds × fps): the same 2 s on every rung. */
  gopFrames?: number;
  /**
   * An encoded rung that shows every `frameStep`-th source frame (absent: every frame): the 480p/360p rungs
   * of a 50/60 fps source run at 25/30 fps (LOW_TIER_MAX_FPS).
   */
  frameStep?: number;
}

export interface LadderPlan {
  segmentSeconds: number;
  /** Highest first: the order of the master playlist. */
  renditions: Rendition[];
  topRung: 'passthrough' | 'encode' | 'none';
  reason: string;
  /** Audio muxed into every rendition (or the audio-only rendition); null when the source has none. */
  audio: { bitrateKbps: number; sampleRate: number; channels: number; passthrough: boolean } | null;
  /** The source picture's size (absent for audio only): an encoded rung of exactly this size needs no scaler. */
  sourceVideo?: { width: number; height: number; fps?: number };
}

export const DEFAULT_RUNGS: readonly number[] = [1080, 720, 480, 360];
export const DEFAULT_SEGMENT_SECONDS = 2;
/**
 * The passthrough cap follows the market's anchor: an Amazon IVS Standard channel passes sources of up to
 * 8.5 Mbps through as its top rendition, so a publisher tuned for it gets the same here. Above it, a viewer
 * of the copied rung would pull well over 1.5× the encoded 1080p rung's measured rate (≈ 5.3 Mbps on hard
 * content, `npm run bench:transcode`) for a picture few screens show better, so the rung is encoded. The
 * rate compared is what the probe measures over the first seconds (keyframe-heavy: ~10 % above a CBR
 * encoder's setting), i.e. what a viewer would really pull.
 */
export const DEFAULT_PASSTHROUGH_MAX_BITRATE_KBPS = 8500;
export const DEFAULT_AUDIO_BITRATE_KBPS = 128;
/**
 * Rungs at or below this short side run at no more than LOW_TIER_MAX_FPS: a 50/60 fps source's 480p and
 * 360p rungs show every other frame. Apple's HLS authoring spec lists its lower tiers at up to 30 fps and
 * only the upper ones at the source's high rate; the small pictures gain little from 60 fps, and at 30 fps
 * they cost half the encode and, at the 30 fps bitrate, a third less to deliver (`npm run bench:transcode`).
 */
export const LOW_TIER_MAX_SHORT_SIDE = 480;
export const LOW_TIER_MAX_FPS = 30;

/** Highest source we pass through: every HLS client decodes H.264 up to 1080p (level 4.x). */
const PASSTHROUGH_MAX_SHORT_SIDE = 1080;
const PASSTHROUGH_MAX_FPS = 60;
const PASSTHROUGH_PROFILES = new Set(['baseline', 'constrained baseline', 'main', 'high']);
/** A lower rung this close to the top one costs a full encode for almost no saving to the viewer. */
const MIN_RUNG_STEP = 0.85;
/** Muxing overhead of MPEG-TS (packet headers, PES, PAT/PMT per segment): about 5–10 %. */
const CONTAINER_OVERHEAD = 1.1;
/** Audio copied as is must be something every HLS client plays at a size that suits every rung. */
const AUDIO_COPY_MAX_KBPS = 192;
const AUDIO_COPY_SAMPLE_RATES = new Set([44_100, 48_000]);

/**
 * Typical H.264 bitrates at 30 fps by short side, from common live ladders (Apple HLS authoring spec,
 * Twitch/YouTube recommendations) tuned against `npm run bench:transcode`. Sizes in between are
 * interpolated on a log-log scale, which follows how bitrate grows with pixel count.
 */
const BITRATE_TABLE: ReadonlyArray<readonly [shortSide: number, kbps: number]> = [
  [144, 200],
  [240, 400],
  [360, 700],
  [480, 1200],
  [720, 2800],
  [1080, 5000],
  [1440, 8000],
  [2160, 14000],
];

/**
 * The ladder for a source. Sizes are the short side (the height of landscape video), so portrait video
 * gets the same treatment turned on its side.
 * - The top rung is the source's own size (rounded down to even), or the highest configured rung if the
 *   source is larger: a 900p source gets 900p, 720p, 480p, 360p; a 480p source 480p and 360p.
 * - Lower rungs are the configured ones at most 85 % of the top (a 768p source skips 720p).
 * - The top rung is the source's video copied (passthrough) when every player can take it as is and it
 *   cuts into segments: H.264 (Baseline/Main/High), at most 1080p and 60 fps, keyframes measured at most
 *   `segmentSeconds` apart, bitrate known and under the cap. Otherwise every rung is encoded.
 * - Encoded rungs keep the source's aspect ratio and frame rate, with keyframes every segment.
 * - Audio (AAC-LC, 44.1/48 kHz, mono/stereo, ≤ 192 kbps) is copied into every rendition, else re-encoded.
 */
export function planLadder(source: SourceInfo, options: LadderOptions = {}): LadderPlan {
  const segmentSeconds = options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  if (!(segmentSeconds > 0 && segmentSeconds <= 30)) throw new ValidationError(`segmentSeconds must be in (0, 30], got ${segmentSeconds}`);
  const rungs = normaliseRungs(options.rungs ?? [...DEFAULT_RUNGS]);
  const audio = planAudio(source.audio, options.audioBitrateKbps ?? DEFAULT_AUDIO_BITRATE_KBPS);

  if (!source.video) {
    if (!audio) throw new ValidationError('The source has neither video nor audio.');
    const a = source.audio!;
    return {
      segmentSeconds,
      renditions: [
        {
          name: 'audio',
          kind: 'audio',
          passthrough: audio.passthrough,
          bandwidth: bandwidthOf(audio.bitrateKbps),
          averageBandwidth: bandwidthOf(audio.bitrateKbps),
          codecs: AAC_LC,
        },
      ],
      topRung: 'none',
      reason: `audio only: ${a.codec} ${a.sampleRate} Hz ${a.channels} ch, ${audio.passthrough ? 'copied' : `encoded to AAC ${audio.bitrateKbps} kbps`}`,
      audio,
    };
  }

  const video = source.video;
  if (!(video.width > 0 && video.height > 0)) throw new ValidationError(`The source video has no size (${video.width}x${video.height}).`);
  const fps = video.fps > 0 && video.fps <= 240 ? video.fps : 30;
  const gopFrames = Math.max(1, Math.round(segmentSeconds * fps));
  const sourceShort = Math.min(video.width, video.height);
  const top = Math.min(evenFloor(sourceShort), rungs[0]!);
  const sizes = [top, ...rungs.filter((r) => r <= top * MIN_RUNG_STEP)];
  const passthrough = passthroughVerdict(video, fps, sourceShort, rungs[0]!, segmentSeconds, options.passthroughMaxBitrateKbps ?? DEFAULT_PASSTHROUGH_MAX_BITRATE_KBPS);
  const audioKbps = audio?.bitrateKbps ?? 0;
  const audioCodecs = audio ? `,${AAC_LC}` : '';

  const renditions = sizes.map((short, i): Rendition => {
    if (i === 0 && passthrough.ok) {
      const kbps = video.bitrateKbps!;
      return {
        name: `${short}p`,
        kind: 'video',
        width: video.width,
        height: video.height,
        fps: roundFps(fps),
        videoBitrateKbps: kbps,
        passthrough: true,
        // The source's own rate control is unknown: allow its keyframe-heavy segments some headroom.
        bandwidth: bandwidthOf(kbps * 1.25 + audioKbps),
        averageBandwidth: bandwidthOf(kbps + audioKbps),
        codecs: avcCodecs(video.profile, video.level ?? levelFor(video.width, video.height, fps, kbps)) + audioCodecs,
        gopFrames,
      };
    }
    const { width, height } = scaledSize(video.width, video.height, short);
    const frameStep = short <= LOW_TIER_MAX_SHORT_SIDE ? lowTierFrameStep(fps, options.lowTierMaxFps ?? LOW_TIER_MAX_FPS) : 1;
    const rungFps = fps / frameStep;
    const kbps = bitrateFor(short, rungFps);
    const bufsize = Math.round(kbps * 1.5);
    return {
      name: `${short}p`,
      kind: 'video',
      width,
      height,
      fps: roundFps(rungFps),
      videoBitrateKbps: kbps,
      maxrateKbps: kbps,
      bufsizeKbps: bufsize,
      passthrough: false,
      bandwidth: bandwidthOf(kbps + audioKbps),
      averageBandwidth: bandwidthOf(kbps * 0.8 + audioKbps),
      codecs: avcCodecs('High', levelFor(width, height, rungFps, kbps)) + audioCodecs,
      gopFrames: frameStep > 1 ? Math.max(1, Math.round(segmentSeconds * rungFps)) : gopFrames,
      ...(frameStep > 1 ? { frameStep } : {}),
    };
  });

  return {
    segmentSeconds,
    renditions,
    topRung: passthrough.ok ? 'passthrough' : 'encode',
    reason: passthrough.reason,
    audio,
    sourceVideo: { width: video.width, height: video.height, fps: roundFps(fps) },
  };
}

/** What the stream shows and `stream.live` carries: the decision and the renditions, nothing ffmpeg-specific. */
export function toTranscodeDecision(plan: LadderPlan): TranscodeDecision {
  return {
    topRung: plan.topRung,
    reason: plan.reason,
    renditions: plan.renditions.map((r) => ({
      name: r.name,
      ...(r.width !== undefined ? { width: r.width } : {}),
      ...(r.height !== undefined ? { height: r.height } : {}),
      bandwidth: r.bandwidth,
      codecs: r.codecs,
    })),
  };
}

/**
 * Every how many source frames a low tier shows one: with the default 30, 2 at 47–60 fps (→ 23.5–30 fps),
 * more above; 1 up to 46 fps (halving those would drop a low tier under 24 fps).
 */
function lowTierFrameStep(fps: number, maxFps: number): number {
  if (!(fps > maxFps * 1.55)) return 1;
  return Math.max(1, Math.ceil(fps / maxFps - 0.01));
}

/** Bitrate for a rung (short side in pixels) at a frame rate; above 30 fps motion costs about half again. */
export function bitrateFor(shortSide: number, fps: number): number {
  const table = BITRATE_TABLE;
  let kbps: number;
  if (shortSide <= table[0]![0]) kbps = table[0]![1] * (shortSide / table[0]![0]);
  else if (shortSide >= table[table.length - 1]![0]) kbps = table[table.length - 1]![1];
  else {
    const upper = table.findIndex(([s]) => s >= shortSide);
    const [s0, k0] = table[upper - 1]!;
    const [s1, k1] = table[upper]!;
    const t = Math.log(shortSide / s0) / Math.log(s1 / s0);
    kbps = Math.exp(Math.log(k0) + t * Math.log(k1 / k0));
  }
  const fpsFactor = fps > 31 ? 1.5 : 1;
  return Math.max(50, Math.round((kbps * fpsFactor) / 50) * 50);
}

function passthroughVerdict(
  video: NonNullable<SourceInfo['video']>,
  fps: number,
  sourceShort: number,
  topRungSetting: number,
  segmentSeconds: number,
  maxKbps: number,
): { ok: boolean; reason: string } {
  const size = `${video.width}x${video.height}`;
  const encode = (why: string) => ({ ok: false, reason: `encode: ${why}` });
  if (video.codec !== 'h264') return encode(`source codec ${video.codec} is not H.264`);
  if (video.profile !== undefined && !PASSTHROUGH_PROFILES.has(video.profile.toLowerCase())) {
    return encode(`H.264 profile ${video.profile} is not playable everywhere`);
  }
  if (sourceShort > topRungSetting) return encode(`source ${size} is above the top rung ${topRungSetting}p`);
  if (sourceShort > PASSTHROUGH_MAX_SHORT_SIDE) return encode(`source ${size} is above ${PASSTHROUGH_MAX_SHORT_SIDE}p`);
  if (fps > PASSTHROUGH_MAX_FPS) return encode(`source frame rate ${roundFps(fps)} is above ${PASSTHROUGH_MAX_FPS}`);
  const gop = video.keyframeIntervalSeconds;
  if (gop === undefined) return encode('keyframe interval unknown');
  // A 60-frame GOP at 29.97 fps lasts 2.002 s; that still cuts into 2 s segments.
  if (gop > segmentSeconds * 1.01) {
    return encode(`keyframe interval ${gop.toFixed(1)} s exceeds segment duration ${segmentSeconds} s`);
  }
  if (video.bitrateKbps === undefined) return encode('source bitrate unknown');
  if (video.bitrateKbps > maxKbps) return encode(`source bitrate ${Math.round(video.bitrateKbps)} kbps exceeds ${maxKbps} kbps`);
  return {
    ok: true,
    reason: `passthrough: h264 ${size}, keyframes every ${gop.toFixed(1)} s, ${Math.round(video.bitrateKbps)} kbps`,
  };
}

export function planAudio(audio: SourceInfo['audio'], encodeKbps: number): LadderPlan['audio'] {
  if (!audio) return null;
  const copy =
    audio.codec === 'aac' &&
    (audio.profile === undefined || audio.profile === 'LC') &&
    AUDIO_COPY_SAMPLE_RATES.has(audio.sampleRate) &&
    audio.channels >= 1 &&
    audio.channels <= 2 &&
    (audio.bitrateKbps === undefined || audio.bitrateKbps <= AUDIO_COPY_MAX_KBPS);
  if (copy) {
    return { bitrateKbps: Math.round(audio.bitrateKbps ?? encodeKbps), sampleRate: audio.sampleRate, channels: audio.channels, passthrough: true };
  }
  return { bitrateKbps: encodeKbps, sampleRate: 48_000, channels: Math.min(2, Math.max(1, audio.channels)), passthrough: false };
}

function normaliseRungs(rungs: number[]): number[] {
  if (rungs.length === 0) throw new ValidationError('The ladder needs at least one rung.');
  for (const r of rungs) {
    if (!Number.isInteger(r) || r < 16 || r > 4320) throw new ValidationError(`A rung must be a whole number of pixels from 16 to 4320, got ${r}.`);
  }
  return [...new Set(rungs.map(evenFloor))].sort((a, b) => b - a);
}

/** The size of a rung whose short side is `short`, keeping the source's aspect ratio, both sides even. */
function scaledSize(width: number, height: number, short: number): { width: number; height: number } {
  const landscape = width >= height;
  const long = Math.max(2, evenRound((Math.max(width, height) * short) / Math.min(width, height)));
  return landscape ? { width: long, height: short } : { width: short, height: long };
}

export const AAC_LC = 'mp4a.40.2';

/** `avc1.PPCCLL`: profile_idc, constraint flags, level_idc, in hex. */
export function avcCodecs(profile: string | undefined, level: number): string {
  const [profileIdc, constraints] = (() => {
    switch ((profile ?? 'high').toLowerCase()) {
      case 'constrained baseline':
        return [0x42, 0xe0];
      case 'baseline':
        return [0x42, 0x00];
      case 'main':
        return [0x4d, 0x40];
      default:
        return [0x64, 0x00];
    }
  })();
  return `avc1.${hex(profileIdc)}${hex(constraints)}${hex(level)}`;
}

/** H.264 levels (Table A-1): macroblocks per frame, per second, and max bitrate (High profile, kbps). */
const LEVELS: ReadonlyArray<readonly [level: number, maxFs: number, maxMbps: number, maxKbps: number]> = [
  [21, 792, 19_800, 5_000],
  [22, 1_620, 20_250, 5_000],
  [30, 1_620, 40_500, 12_500],
  [31, 3_600, 108_000, 17_500],
  [32, 5_120, 216_000, 25_000],
  [40, 8_192, 245_760, 25_000],
  [41, 8_192, 245_760, 62_500],
  [42, 8_704, 522_240, 62_500],
  [50, 22_080, 589_824, 168_750],
  [51, 36_864, 983_040, 300_000],
  [52, 36_864, 2_073_600, 300_000],
];

/** The lowest level that fits the size, rate and bitrate (level_idc, e.g. 31). */
export function levelFor(width: number, height: number, fps: number, kbps: number): number {
  const frameMbs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const found = LEVELS.find(([, maxFs, maxMbps, maxKbps]) => frameMbs <= maxFs && frameMbs * fps <= maxMbps && kbps <= maxKbps);
  return (found ?? LEVELS[LEVELS.length - 1]!)[0];
}

export function bandwidthOf(kbps: number): number {
  return Math.round(kbps * 1000 * CONTAINER_OVERHEAD);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function evenFloor(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}

function evenRound(n: number): number {
  return Math.round(n / 2) * 2;
}

export function roundFps(fps: number): number {
  return Math.round(fps * 1000) / 1000;
}
