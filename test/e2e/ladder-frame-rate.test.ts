/**
 * A 60 fps source through the real local plane: the top rungs keep 60 fps, the 480p/360p rungs run at 30
 * (every other frame, Apple's HLS authoring spec's lower tiers), the master says so, and every rendition's
 * segments still line up (the same durations, so players switch rungs cleanly).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { publish, stopAll } from '../support/ffmpeg';
import { fetchMediaPlaylist, fetchText, parseMaster, waitForMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

const execFileAsync = promisify(execFile);

/** Video frames in one segment, counted by decoding it. */
async function framesIn(url: string): Promise<number> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', url], { timeout: 60_000 });
  // ffprobe prints the stream under its program too: the first line counts.
  return Number.parseInt(stdout.trim().split('\n')[0]!, 10);
}

describe('a 60 fps source', () => {
  let t: TestPlane;
  before(async () => {
    t = await startTestPlane();
  });
  after(async () => {
    await stopAll();
    await t?.stop();
  });

  it('gets 480p/360p at 30 fps beside a 60 fps 720p, segment-aligned, and the master tells players', async () => {
    const created = await t.api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: 'ladder 60 fps', reconnectWindowSeconds: 0 });
    assert.equal(created.status, 201);
    const stream = created.body;
    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 1280, height: 720, fps: 60, seconds: 14 });
    const masterText = await waitForMaster(stream.playback.hls);
    const variants = parseMaster(masterText);
    assert.deepEqual(variants.map((v) => v.resolution?.height), [720, 480, 360]);
    const rates = masterText.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).map((l) => /FRAME-RATE=([\d.]+)/.exec(l)?.[1]);
    assert.deepEqual(rates, ['60.000', '30.000', '30.000']);

    await encoder.exited;
    const base = new URL('.', stream.playback.hls);
    // The whole publish is listed once the stream has ended.
    await waitFor('stream.ended', async () => {
      const view = await t.api<{ status: string }>('GET', `/v1/streams/${stream.id}`);
      return view.body.status === 'ended' ? true : undefined;
    });
    const lists = await Promise.all(variants.map(async (v) => {
      const url = new URL(v.uri, base).toString();
      const list = await waitFor(`playlist ${v.uri}`, async () => {
        const text = await fetchText(url);
        return text.status === 200 && text.text.includes('#EXTINF') ? fetchMediaPlaylist(url) : undefined;
      });
      return { url, list: list! };
    }));
    const durations = lists.map(({ list }) => list.segments.map((s) => s.duration.toFixed(2)));
    assert.ok(durations[0]!.length >= 3, `several segments: ${durations[0]!.join(', ')}`);
    // Segment-aligned: every rendition cut at the same instants, so each lists the same segments with the
    // same lengths (to within one 60 fps frame's rounding).
    for (const d of durations.slice(1)) {
      assert.equal(d.length, durations[0]!.length, `${d.join(', ')} vs ${durations[0]!.join(', ')}`);
      d.forEach((x, i) => assert.ok(Math.abs(Number(x) - Number(durations[0]![i])) <= 0.017, `segment ${i}: ${x} vs ${durations[0]![i]}`));
    }

    // A full 2 s segment from the middle: 120 frames at 720p, 60 at 480p and 360p (±1 at the cut).
    const middle = 1;
    const frames = await Promise.all(lists.map(({ url, list }) => framesIn(new URL(list.segments[middle]!.uri, url).toString())));
    const seconds = Number(durations[0]![middle]);
    assert.ok(Math.abs(frames[0]! - 60 * seconds) <= 1, `720p: ${frames[0]} frames in ${seconds} s`);
    for (const [i, n] of frames.slice(1).entries()) assert.ok(Math.abs(n - 30 * seconds) <= 1, `${variants[i + 1]!.uri}: ${n} frames in ${seconds} s`);
  });
});
