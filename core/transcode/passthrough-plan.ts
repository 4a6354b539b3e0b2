/**
 * The plan of a `transcode: passthrough` stream: the source's video copied as the one rendition (plus its
 * audio, copied when every player takes it, else re-encoded to AAC — audio only, cheap), with the
 * CODECS, RESOLUTION and BANDWIDTH of what is actually sent. No decoding of video, so the cheapest way to
 * run many streams of sources that are already viewer-ready. Pure: no I/O.
 *
 * Must never: advertise a codec or size the source does not have, or plan a segment shorter than the
 * source's keyframe spacing (copied video can only be cut at its own keyframes).
 */
import { ValidationError } from '../errors';
import { AAC_LC, avcCodecs, bandwidthOf, bitrateFor, DEFAULT_AUDIO_BITRATE_KBPS, DEFAULT_SEGMENT_SECONDS, levelFor, planAudio, planLadder, roundFps, type LadderOptions, type LadderPlan, type SourceInfo } from './ladder';

/** Keyframe-heavy segments of a source whose rate control is unknown: room above its average. */
const PEAK_HEADROOM = 1.25;

export function planPassthrough(source: SourceInfo, options: LadderOptions = {}): LadderPlan {
  const configured = options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  const video = source.video;
  // Audio-only and video HLS cannot carry as is (not H.264): the ladder's own rules, which say why.
  if (!video) return planLadder(source, options);
  if (video.codec !== 'h264') {
    const plan = planLadder(source, { ...options, rungs: [Math.min(video.width, video.height)] });
    return { ...plan, reason: `passthrough impossible (source codec ${video.codec} is not H.264 for HLS): ${plan.reason}` };
  }
  if (!(video.width > 0 && video.height > 0)) throw new ValidationError(`The source video has no size (${video.width}x${video.height}).`);
  const fps = video.fps > 0 && video.fps <= 240 ? video.fps : 30;
  const gop = video.keyframeIntervalSeconds;
  const segmentSeconds = gop !== undefined && gop > configured * 1.01 ? Math.ceil(gop) : configured;
  const audio = planAudio(source.audio, options.audioBitrateKbps ?? DEFAULT_AUDIO_BITRATE_KBPS);
  const audioKbps = audio?.bitrateKbps ?? 0;
  const short = Math.min(video.width, video.height);
  const known = video.bitrateKbps !== undefined && video.bitrateKbps > 0;
  const kbps = known ? video.bitrateKbps! : bitrateFor(short, fps) * 1.5;
  const level = video.level ?? levelFor(video.width, video.height, fps, kbps);
  return {
    segmentSeconds,
    renditions: [
      {
        name: `${short}p`,
        kind: 'video',
        width: video.width,
        height: video.height,
        fps: roundFps(fps),
        videoBitrateKbps: Math.round(kbps),
        passthrough: true,
        bandwidth: bandwidthOf(kbps * PEAK_HEADROOM + audioKbps),
        averageBandwidth: bandwidthOf(kbps + audioKbps),
        codecs: avcCodecs(video.profile, level) + (audio ? `,${AAC_LC}` : ''),
        gopFrames: Math.max(1, Math.round(segmentSeconds * fps)),
      },
    ],
    topRung: 'passthrough',
    reason:
      `passthrough (stream setting): h264 ${video.width}x${video.height}, ${known ? `${Math.round(kbps)} kbps` : 'bitrate unknown (estimated)'}` +
      (segmentSeconds !== configured ? `, segments ${segmentSeconds} s to fit keyframes every ${gop!.toFixed(1)} s` : '') +
      (audio ? `, audio ${audio.passthrough ? 'copied' : `encoded to AAC ${audio.bitrateKbps} kbps`}` : ''),
    audio,
  };
}
