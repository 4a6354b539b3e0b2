/**
 * ffmpeg command lines of the channel feeds — one fallback file, or the slate — encoded through the stream's
 * own ladder (buildTranscodeArgs), so the segments they hand the packager match the live feed's renditions.
 * Inputs are read at real-time speed (`-re`). On a video channel every picture is fitted (scaled, padded,
 * 30 fps) to the top rung's size; an audio file gets a still frame (the slate image, else black); a file
 * without audio gets silence. On an audio-only channel only audio is mapped. Pure: builds strings.
 * Must never: use a shell, write HLS playlists, or make the renditions differ from the plan's.
 */
import type { ChannelMediaItem } from '../../../../core/ports/channel-media';
import type { LadderPlan } from '../../../../core/transcode/ladder';
import { buildTranscodeArgs } from '../transcoder/ffmpeg-args';

export interface FallbackFile {
  item: ChannelMediaItem;
  /** The file on scratch. */
  path: string;
  /** ffprobe found an audio stream in it. */
  hasAudio: boolean;
  /** ffprobe found a video stream in it (an audio file may carry cover art; it is ignored). */
  hasVideo: boolean;
}

/** A still image or a clip for the slate (`slateMediaId`), or nothing for the generated default. */
export interface SlatePicture {
  path: string;
  /** A clip longer than a second loops; anything shorter is a still image. */
  still: boolean;
}

/** Colour of the generated slate and of the still frame behind audio files without a picture. */
export const SLATE_COLOUR = '0x1d2330';
const FPS = 30;
const SILENCE = 'anullsrc=r=48000:cl=stereo';

export function fallbackFileArgs(plan: LadderPlan, file: FallbackFile, outputDir: string, still?: SlatePicture): string[] {
  const video = topVideo(plan);
  const seconds = Math.max(0.1, file.item.durationSeconds).toFixed(3);
  const args = ['-re', '-i', file.path];
  let next = 1;
  let audio = '0:a:0';
  let videoIn: string | undefined;
  const filters: string[] = [];
  if (!file.hasAudio) {
    args.push('-re', '-t', seconds, '-f', 'lavfi', '-i', SILENCE);
    audio = `${next++}:a:0`;
  }
  if (video) {
    let source = '0:v:0';
    if (!(file.hasVideo && file.item.kind === 'video')) {
      args.push(...stillInput(video, still, seconds));
      source = `${next++}:v:0`;
    }
    filters.push(fitChain(source, video, 'vsrc'));
    videoIn = '[vsrc]';
  }
  return buildTranscodeArgs(plan, {
    input: file.path,
    outputDir,
    inputs: { args, audio, ...(videoIn ? { video: videoIn, filter: filters.join(';') } : {}) },
  });
}

/** The slate: a still image (or a looping clip) and silence, until the feed is stopped. */
export function slateArgs(plan: LadderPlan, outputDir: string, picture?: SlatePicture): string[] {
  const video = topVideo(plan);
  const args: string[] = ['-re', '-f', 'lavfi', '-i', SILENCE];
  if (!video) return buildTranscodeArgs(plan, { input: 'slate', outputDir, inputs: { args, audio: '0:a:0' } });
  if (picture && !picture.still) args.push('-re', '-stream_loop', '-1', '-i', picture.path);
  else args.push(...stillInput(video, picture));
  return buildTranscodeArgs(plan, {
    input: 'slate',
    outputDir,
    inputs: { args, audio: '0:a:0', video: '[vsrc]', filter: fitChain('1:v:0', video, 'vsrc', !picture) },
  });
}

function topVideo(plan: LadderPlan): { width: number; height: number } | undefined {
  const top = plan.renditions.find((r) => r.kind === 'video');
  return top?.width && top.height ? { width: top.width, height: top.height } : undefined;
}

/** An endless picture (optionally only `seconds` long): the image looped, or a generated colour. */
function stillInput(size: { width: number; height: number }, picture: SlatePicture | undefined, seconds?: string): string[] {
  const limit = seconds ? ['-t', seconds] : [];
  if (picture) return ['-re', ...limit, '-loop', '1', '-framerate', String(FPS), '-i', picture.path];
  return ['-re', ...limit, '-f', 'lavfi', '-i', `color=c=${SLATE_COLOUR}:s=${size.width}x${size.height}:r=${FPS}`];
}

/** Any picture into the top rung's frame: aspect kept (letterboxed), square pixels, 30 fps, 4:2:0. */
function fitChain(source: string, size: { width: number; height: number }, out: string, generated = false): string {
  const { width: w, height: h } = size;
  // The generated slate gets a bar across the middle, so a viewer sees a deliberate picture, not a fault.
  const mark = generated ? `,drawbox=x=0:y=ih*0.45:w=iw:h=ih*0.1:color=0x3a4660:t=fill` : '';
  return `[${source}]scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${FPS},format=yuv420p${mark}[${out}]`;
}
