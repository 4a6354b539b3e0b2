/**
 * Channel media for tests, standing in for the media library: ffmpeg-generated files stored in the plane's
 * object store, and a ChannelMediaSource whose answers a test sets per stream. Every ffmpeg run here ends
 * before the helper returns.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ChannelMediaItem, ChannelMediaSource, ResolvedChannelMedia } from '../../core/ports/channel-media';
import type { ObjectStore } from '../../core/ports/object-store';

const execFileAsync = promisify(execFile);

export class FixtureChannelMedia implements ChannelMediaSource {
  private readonly byStream = new Map<string, ResolvedChannelMedia>();
  set(streamId: string, media: ResolvedChannelMedia): void {
    this.byStream.set(streamId, media);
  }
  async resolve(streamId: string): Promise<ResolvedChannelMedia | undefined> {
    return this.byStream.get(streamId) ?? { fallback: null, slate: null, reconnectSlate: true };
  }
}

export type FixtureKind = 'mp4' | 'm4a' | 'mp3' | 'png';

/** Makes a small media file with ffmpeg (a test pattern of `hue` and/or a tone of `frequency` Hz). */
export async function makeMediaFile(dir: string, name: string, kind: FixtureKind, seconds: number, options: { frequency?: number; colour?: string } = {}): Promise<string> {
  const path = join(dir, `${name}.${kind}`);
  const tone = ['-f', 'lavfi', '-i', `sine=frequency=${options.frequency ?? 660}:sample_rate=44100`];
  const picture = ['-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25`];
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'];
  if (kind === 'mp4') args.push(...picture, ...tone, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', path);
  else if (kind === 'm4a') args.push(...tone, '-t', String(seconds), '-c:a', 'aac', '-b:a', '96k', path);
  else if (kind === 'mp3') args.push(...tone, '-t', String(seconds), '-c:a', 'libmp3lame', '-b:a', '96k', path);
  else args.push('-f', 'lavfi', '-i', `color=c=${options.colour ?? 'orange'}:s=320x180`, '-frames:v', '1', path);
  await execFileAsync('ffmpeg', args, { timeout: 60_000 });
  return path;
}

/** Stores a file as a ready media item would be stored. */
export async function storeMedia(store: ObjectStore, mediaId: string, path: string, kind: 'audio' | 'video', durationSeconds: number): Promise<ChannelMediaItem> {
  const objectKey = `media-library/${mediaId}/${path.split('/').pop()}`;
  await store.put(objectKey, await readFile(path), { contentType: 'application/octet-stream', cacheControl: 'private' });
  return { mediaId, objectKey, kind, durationSeconds };
}
