/**
 * What a served media segment really carries: per stream type, the packets ffprobe reads from it (not only
 * what its program table declares), and its duration. Tests use it to check that every segment a viewer
 * may fetch has both audio and video (players drop audio or stall at a segment without a declared track).
 * Must never: decode the media (packet counting only), or hide an ffprobe failure as "no streams".
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface SegmentStreams {
  /** Packets read per codec type (`video`, `audio`); a type absent from the segment is missing here. */
  packets: Partial<Record<'video' | 'audio', number>>;
  durationSeconds: number | undefined;
}

export async function segmentStreams(url: string): Promise<SegmentStreams> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets:format=duration', '-of', 'json', url], { timeout: 60_000 });
  const parsed = JSON.parse(stdout) as { streams?: Array<{ codec_type?: string; nb_read_packets?: string }>; format?: { duration?: string } };
  const packets: SegmentStreams['packets'] = {};
  for (const s of parsed.streams ?? []) {
    if (s.codec_type !== 'video' && s.codec_type !== 'audio') continue;
    const read = Number(s.nb_read_packets); // `N/A` for a declared stream without a single packet
    packets[s.codec_type] = (packets[s.codec_type] ?? 0) + (Number.isFinite(read) ? read : 0);
  }
  const duration = Number(parsed.format?.duration);
  return { packets, durationSeconds: Number.isFinite(duration) ? duration : undefined };
}

/** True when the segment has audio and video packets both. */
export function hasAudioAndVideo(s: SegmentStreams): boolean {
  return (s.packets.video ?? 0) > 0 && (s.packets.audio ?? 0) > 0;
}

/** `video 60, audio 94, 2.00 s` — for assertion messages. */
export function describeStreams(s: SegmentStreams): string {
  return `video ${s.packets.video ?? 0}, audio ${s.packets.audio ?? 0}, ${s.durationSeconds?.toFixed(3) ?? '?'} s`;
}

/**
 * Probes segments as a watcher finds them, one at a time beside the polling (a segment of a live window
 * may be gone by the end of a test); keeps those without audio and video.
 */
export class SegmentProbeQueue {
  readonly withoutBoth: string[] = [];
  private readonly seen = new Set<string>();
  private readonly queue: string[] = [];
  private probedCount = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly needs: { audio: boolean; video: boolean } = { audio: true, video: true }) {
    this.loop = this.run();
  }

  get probed(): number {
    return this.probedCount;
  }

  add(url: string): void {
    if (this.seen.has(url)) return;
    this.seen.add(url);
    this.queue.push(url);
  }

  /** Probes what is queued, then stops. */
  async drain(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running || this.queue.length > 0) {
      const next = this.queue.shift();
      if (!next) {
        await new Promise((r) => setTimeout(r, 100).unref());
        continue;
      }
      const name = next.slice(next.lastIndexOf('/') + 1);
      const streams = await segmentStreams(next).catch(async (err: unknown) => {
        const bytes = await fetch(next).then(async (r) => `HTTP ${r.status}, ${(await r.arrayBuffer()).byteLength} bytes`, () => 'unfetchable');
        this.withoutBoth.push(`${name} (ffprobe failed: ${String((err as { stderr?: string }).stderr ?? err).trim().split('\n').pop()}; ${bytes})`);
        return undefined;
      });
      this.probedCount++;
      if (!streams) continue;
      const missing = (this.needs.video && !(streams.packets.video ?? 0)) || (this.needs.audio && !(streams.packets.audio ?? 0));
      if (missing) this.withoutBoth.push(`${name} (${describeStreams(streams)})`);
    }
  }
}
