/**
 * Real media for recording tests: one ffmpeg run (lavfi test pattern and tone, one decode split into two
 * renditions, H.264 + AAC in MPEG-TS, 2 s segments cut on shared key frames) per "transcoder run", and a
 * way to place its segments in an object store exactly as the packager does for a recorded session:
 * `recordings/<rec>/<rendition>/<seq>-<durationMs>-<disc>.ts` plus `renditions.json`.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ObjectStore } from '../../core/ports/object-store';
import { segmentFileName } from '../../core/media/layout';
import type { RenditionInfo } from '../../core/recordings/renditions-file';

const execFileAsync = promisify(execFile);

export const TEST_RENDITIONS: RenditionInfo[] = [
  { name: '360p', bandwidth: 900_000, codecs: 'avc1.64001e,mp4a.40.2', width: 640, height: 360, fps: 30 },
  { name: '180p', bandwidth: 300_000, codecs: 'avc1.64000d,mp4a.40.2', width: 320, height: 180, fps: 30 },
];

export interface RunSegment {
  rendition: string;
  /** ffmpeg's index within the run. */
  index: number;
  durationMs: number;
  body: Buffer;
}

/** Encodes `seconds` of test media into `dir/<rendition>/seg_NNN.ts`; returns every segment with its duration. */
export async function encodeRun(dir: string, seconds: number): Promise<RunSegment[]> {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  // Input durations, so every output ends (an output -t would bind to the first output only).
  args.push('-f', 'lavfi', '-t', String(seconds), '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-t', String(seconds), '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-filter_complex', '[0:v]split=2[a][b];[b]scale=320:180[b2]');
  for (const [i, r] of TEST_RENDITIONS.entries()) {
    const label = i === 0 ? '[a]' : '[b2]';
    args.push('-map', label, '-map', '1:a');
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0');
    args.push('-c:a', 'aac', '-b:a', '64k', '-ar', '48000', '-ac', '2');
    args.push('-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts', '-reset_timestamps', '0');
    args.push('-segment_list', join(dir, r.name, 'segments.csv'), '-segment_list_type', 'csv');
    args.push(join(dir, r.name, 'seg_%03d.ts'));
  }
  for (const r of TEST_RENDITIONS) await mkdir(join(dir, r.name), { recursive: true });
  await execFileAsync('ffmpeg', args, { timeout: 120_000 });
  const out: RunSegment[] = [];
  for (const r of TEST_RENDITIONS) {
    const csv = await readFile(join(dir, r.name, 'segments.csv'), 'utf8');
    for (const line of csv.trim().split('\n')) {
      const [file = '', start = '0', end = '0'] = line.split(',');
      const index = Number(/(\d+)\.ts$/.exec(file)?.[1]);
      out.push({ rendition: r.name, index, durationMs: Math.round((Number(end) - Number(start)) * 1000), body: await readFile(join(dir, r.name, file)) });
    }
    // Every listed file exists and nothing else was left.
    const files = (await readdir(join(dir, r.name))).filter((f) => f.endsWith('.ts'));
    if (files.length !== out.filter((s) => s.rendition === r.name).length) throw new Error(`ffmpeg left unlisted segments in ${r.name}`);
  }
  return out;
}

const TS_PUT = { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' };

/**
 * Stores a run's segments as the packager would for a recorded session: sequence = `firstSequence` +
 * ffmpeg's index, the run's discontinuity number, the duration from the segment list. `skip` leaves some
 * out (a rendition that lost one). Returns the keys written.
 */
export async function placeRun(
  store: ObjectStore,
  recordingId: string,
  run: ReadonlyArray<RunSegment>,
  options: { firstSequence: number; disc: number; skip?: (s: RunSegment) => boolean },
): Promise<string[]> {
  await store.put(`recordings/${recordingId}/renditions.json`, JSON.stringify(TEST_RENDITIONS), { contentType: 'application/json', cacheControl: 'no-cache' });
  const keys: string[] = [];
  for (const s of run) {
    if (options.skip?.(s)) continue;
    const key = `recordings/${recordingId}/${s.rendition}/${segmentFileName({ seq: options.firstSequence + s.index, durationMs: s.durationMs, disc: options.disc })}`;
    await store.put(key, s.body, TS_PUT);
    keys.push(key);
  }
  return keys;
}

export async function probeDuration(input: string): Promise<{ duration: number; streams: Array<{ codec_type: string; codec_name: string; width?: number }> }> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', input], { timeout: 60_000 });
  const parsed = JSON.parse(stdout) as { format: { duration?: string }; streams: Array<{ codec_type: string; codec_name: string; width?: number }> };
  return { duration: Number(parsed.format.duration), streams: parsed.streams };
}

/** Decodes every frame; ok is false with ffmpeg's complaint when anything is broken. */
export async function decodes(input: string): Promise<{ ok: boolean; stderr: string }> {
  try {
    const { stderr } = await execFileAsync('ffmpeg', ['-v', 'error', '-nostdin', '-i', input, '-f', 'null', '-'], { timeout: 120_000 });
    return { ok: stderr.trim() === '', stderr };
  } catch (err) {
    return { ok: false, stderr: String((err as { stderr?: string }).stderr ?? err) };
  }
}
