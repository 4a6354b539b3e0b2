/**
 * What an ffprobe run over an uploaded file means for the library: the facts of a playable file (kind,
 * duration, codecs, size of the picture) or why it is refused — not media, no audio or video stream, or
 * truncated. Pure: the run (exit code, JSON on stdout, error lines on stderr) comes from whoever ran
 * ffprobe (`ffprobe -v error -print_format json -show_format -show_streams -count_packets FILE`).
 * Must never: pass ffprobe's own words (paths, addresses) into the `error` shown to API callers.
 */
import { z } from 'zod';
import type { MediaFailure, MediaKind } from './media-item';

export interface ProbeRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface ProbeFacts {
  kind: MediaKind;
  durationSeconds: number;
  codecs: string[];
  width?: number;
  height?: number;
  still?: boolean;
}

export type ProbeOutcome = { ok: true; facts: ProbeFacts } | { ok: false; failure: MediaFailure; error: string };

const numeric = z.union([z.string(), z.number()]).optional().transform((v) => (v === undefined ? undefined : Number(v)));

const probeJson = z.object({
  streams: z
    .array(
      z.object({
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        width: z.number().int().optional(),
        height: z.number().int().optional(),
        duration: numeric,
        nb_frames: numeric,
        nb_read_packets: numeric,
        disposition: z.object({ attached_pic: z.number().optional() }).partial().optional(),
      }),
    )
    .default([]),
  format: z.object({ format_name: z.string().optional(), duration: numeric }).optional(),
});

/** Demuxers that accept any bytes (text rendered as a picture): a hit there is not media. */
const CATCH_ALL_FORMATS = new Set(['tty']);
/** Single-picture formats: a still (slate image), duration 0. */
const IMAGE_FORMAT = /(^|,)(png_pipe|jpeg_pipe|webp_pipe|bmp_pipe|gif|image2)(,|$)/;

export const FAILURE_MESSAGES: Readonly<Record<MediaFailure, string>> = {
  not_media: 'not media: the file is not an audio or video format the plane can read',
  no_streams: 'no audio or video stream: the file holds no playable audio or video',
  truncated: 'truncated: the file ends before its media does (an incomplete upload or copy)',
  too_large: 'too large: the file is over the upload limit',
  probe_failed: 'probe failed: the file could not be examined; upload it again',
};

const fail = (failure: MediaFailure): ProbeOutcome => ({ ok: false, failure, error: FAILURE_MESSAGES[failure] });

export function interpretProbe(run: ProbeRun): ProbeOutcome {
  const stderr = run.stderr;
  // An MP4 whose index never arrived: the bytes stop before the `moov` box.
  if (/moov atom not found/i.test(stderr)) return fail('truncated');
  // ffprobe refused the bytes ("Invalid data found when processing input"); killed (null) is our failure.
  if (run.exitCode !== 0) return run.exitCode === null ? fail('probe_failed') : fail('not_media');
  let parsed: z.infer<typeof probeJson>;
  try {
    parsed = probeJson.parse(JSON.parse(run.stdout));
  } catch {
    return fail('probe_failed');
  }
  const formatName = parsed.format?.format_name ?? '';
  if (formatName === '' || CATCH_ALL_FORMATS.has(formatName)) return fail('not_media');
  const video = parsed.streams.filter((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = parsed.streams.filter((s) => s.codec_type === 'audio');
  if (video.length === 0 && audio.length === 0) return fail('no_streams');
  const playable = [...video, ...audio];
  // Packets the index promises but the file does not hold, or the demuxer saying so.
  if (/partial file|truncat|invalid nal unit|error while decoding/i.test(stderr)) return fail('truncated');
  if (playable.some((s) => finite(s.nb_frames) && finite(s.nb_read_packets) && (s.nb_read_packets as number) < (s.nb_frames as number))) return fail('truncated');
  const codecs = [...new Set(playable.map((s) => s.codec_name).filter((c): c is string => typeof c === 'string' && c !== ''))];
  const top = video[0];
  const still = video.length > 0 && audio.length === 0 && (IMAGE_FORMAT.test(formatName) || (top?.nb_read_packets === 1 && !finite(parsed.format?.duration)));
  const durations = [parsed.format?.duration, ...playable.map((s) => s.duration)].filter(finite) as number[];
  const durationSeconds = still ? 0 : Math.max(0, ...durations);
  if (!still && !(durationSeconds > 0)) return fail('not_media');
  const facts: ProbeFacts = { kind: video.length > 0 ? 'video' : 'audio', durationSeconds: Math.round(durationSeconds * 1000) / 1000, codecs };
  if (top?.width !== undefined && top.height !== undefined) {
    facts.width = top.width;
    facts.height = top.height;
  }
  if (still) facts.still = true;
  return { ok: true, facts };
}

function finite(v: number | undefined): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}
