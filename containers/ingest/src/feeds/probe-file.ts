/**
 * Which streams a downloaded media file holds, for the feed's command line (silence for a file without
 * audio, a still frame for one without a picture). Cover art in an audio file does not count as video.
 * Must never use a shell or throw on a file ffprobe cannot read (it then has neither stream).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export async function probeStreams(path: string, ffprobePath = 'ffprobe'): Promise<{ hasAudio: boolean; hasVideo: boolean }> {
  try {
    const { stdout } = await execFileAsync(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type:stream_disposition=attached_pic', '-of', 'json', path], { timeout: 30_000 });
    const parsed = JSON.parse(stdout) as { streams?: Array<{ codec_type?: string; disposition?: { attached_pic?: number } }> };
    const streams = parsed.streams ?? [];
    return {
      hasAudio: streams.some((s) => s.codec_type === 'audio'),
      hasVideo: streams.some((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1),
    };
  } catch {
    return { hasAudio: false, hasVideo: false };
  }
}
