/**
 * A channel feed stopped mid-segment — the fallback when a publisher takes over, the slate when it
 * reconnects — with the real ffmpeg and the plane's own slate command (320x180, the channel's encoded
 * ladder). ChannelFeed stops its ffmpeg with SIGTERM (its inputs are files and lavfi sources, there is no
 * stdin to close), and ffmpeg then writes the video frames it still had without the audio it held: on
 * scratch the run's last segment declares audio in its PMT and carries none (the `5-233-1.ts` CI saw). The
 * packager leaves such a last segment out of the playlists; every segment it publishes has both tracks.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { planChannelLadder } from '../../core/channels/channel-plan';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { liveMediaPlaylistKey, liveRenditionPrefix } from '../../core/media/layout';
import { slateArgs } from '../../containers/ingest/src/feeds/feed-args';
import { Packager } from '../../containers/ingest/src/packager';
import { MemoryObjectStore } from '../support/memory-object-store';

const execFileAsync = promisify(execFile);

async function packetsOf(file: string): Promise<{ video: number; audio: number }> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets', '-of', 'json', file]);
  const streams = (JSON.parse(stdout) as { streams: Array<{ codec_type: string; nb_read_packets?: string }> }).streams;
  const count = (type: string) => streams.filter((s) => s.codec_type === type).reduce((n, s) => n + (Number.isFinite(Number(s.nb_read_packets)) ? Number(s.nb_read_packets) : 0), 0);
  return { video: count('video'), audio: count('audio') };
}

describe('a channel feed stopped mid-segment, through the real ffmpeg and the packager', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamplane-feed-stop-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** One slate run SIGTERMed `killAfterMs` after it started (as ChannelFeed stops it): what ffmpeg left, what the packager published. */
  async function stoppedRun(attempt: number, killAfterMs: number): Promise<{ listed: string[]; tail: { video: number; audio: number } | undefined; published: Array<{ uri: string; video: number; audio: number }> }> {
    const plan = planChannelLadder('video', { rungs: [180] });
    const rendition = plan.renditions[0]!;
    const streamId = `str_feedstop${attempt}`;
    const store = new MemoryObjectStore();
    const packager = new Packager({ streamId, renditions: plan.renditions, segmentSeconds: plan.segmentSeconds, objectStore: store });
    await packager.start();
    const run = join(dir, `run-${attempt}`);
    await mkdir(join(run, rendition.name), { recursive: true });
    await packager.attach(run);
    const child = spawn('ffmpeg', slateArgs(plan, run), { stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The stimulus, not a synchronisation: the run is stopped a few frames into its second segment.
    const timer = setTimeout(() => child.kill('SIGTERM'), killAfterMs);
    await exited;
    clearTimeout(timer);
    await packager.detach();
    await packager.stop();
    const listed = (await readFile(join(run, rendition.name, 'segments.csv'), 'utf8')).trim().split('\n').map((l) => l.split(',')[0] as string);
    // A stored segment is gone from scratch; one left out stays there.
    const tail = await packetsOf(join(run, rendition.name, listed.at(-1) as string)).catch(() => undefined);
    const playlist = parseMediaPlaylist(new TextDecoder().decode(await store.get(liveMediaPlaylistKey(streamId, rendition.name))));
    const published = [];
    for (const s of playlist.segments) {
      const name = s.uri.split('/').pop() as string;
      const body = await store.get(`${liveRenditionPrefix(streamId, rendition.name)}${name}`);
      assert.ok(body, s.uri);
      const file = join(dir, `stored-${attempt}-${name}`);
      await writeFile(file, body);
      published.push({ uri: s.uri, ...(await packetsOf(file)) });
    }
    return { listed, tail, published };
  }

  it('a SIGTERMed run\'s last segment may have no audio on scratch; the packager publishes only segments with audio and video', async () => {
    let reproduced = 0;
    // Where the audio-less tail falls depends on the machine's speed: a few stop times around 2.3–2.7 s.
    for (const [attempt, killAfterMs] of [2500, 2700, 2900, 2400, 2600, 2300].entries()) {
      const { listed, tail, published } = await stoppedRun(attempt, killAfterMs);
      for (const p of published) assert.ok(p.video > 0 && p.audio > 0, `every published segment has audio and video: ${JSON.stringify(published)}`);
      if (tail && listed.length >= 2) {
        // Left out: it lacked audio (the defect, `5-233-1.ts` in CI), and nothing else was left out.
        assert.equal(tail.audio, 0, JSON.stringify(tail));
        assert.ok(tail.video > 0, JSON.stringify(tail));
        assert.equal(published.length, listed.length - 1);
        reproduced++;
      } else assert.equal(published.length, tail ? listed.length - 1 : listed.length, 'a last segment with audio is published');
      if (reproduced > 0 && attempt >= 1) break;
    }
    assert.ok(reproduced > 0, 'at least one stop left a last segment without audio on scratch');
  });
});
