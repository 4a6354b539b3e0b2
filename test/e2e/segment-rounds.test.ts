/**
 * The local plane started with STREAMPLANE_SEGMENT_OBJECTS=round: a real RTMP publish (640x360 source, a
 * 360p rung copied and a 180p rung encoded) is stored as one object per segment round, every rendition's
 * live playlist names its member by EXT-X-BYTERANGE, and ffprobe/ffmpeg read every rendition through the
 * local origin (Range requests). Prints how many rounds held every rendition (the 1 s window against the
 * copied rung closing ahead of the encoded one).
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMediaPlaylist } from '../../core/hls/playlist';
import { parseRoundFileName } from '../../core/media/layout';
import { decodeFully, ffprobeStreams, publish, stopAll } from '../support/ffmpeg';
import { fetchText, parseMaster, waitForMaster } from '../support/hls';
import { startTestPlane, type TestPlane } from '../support/plane';
import { waitFor } from '../support/wait';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

describe('segment rounds on the local plane', () => {
  let t: TestPlane;
  before(async () => {
    t = await startTestPlane({ env: { STREAMPLANE_SEGMENT_OBJECTS: 'round', STREAMPLANE_LADDER: '360,180' } });
  });
  after(async () => {
    await stopAll();
    await t?.stop();
  });

  it('stores one object per round and every rendition plays through the origin by byte ranges', async () => {
    const created = await t.api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: 'rounds', reconnectWindowSeconds: 0 });
    assert.equal(created.status, 201);
    const stream = created.body;
    const encoder = publish({ url: t.rtmpUrl(stream.streamKey), width: 640, height: 360, seconds: 12 });
    const variants = parseMaster(await waitForMaster(stream.playback.hls));
    assert.deepEqual(variants.map((v) => v.resolution?.height), [360, 180]);
    const base = new URL('.', stream.playback.hls);

    for (const v of variants) {
      const url = new URL(v.uri, base).toString();
      const playlist = await waitFor(`a ranged segment in ${v.uri}`, async () => {
        const answer = await fetchText(url);
        return answer.status === 200 && answer.text.includes('#EXT-X-BYTERANGE:') ? parseMediaPlaylist(answer.text) : undefined;
      });
      assert.equal(playlist.version, 4);
      const first = playlist.segments.find((s) => s.byteRange) as NonNullable<(typeof playlist.segments)[number]>;
      assert.match(first.uri, /\/rounds\/\d+-\d+\.[^/]+\.ts$/);
      const range = first.byteRange as { offset: number; length: number };
      const ranged = await fetch(new URL(first.uri, url), { headers: { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } });
      assert.equal(ranged.status, 206, 'the origin serves the member as a range');
      assert.equal((await ranged.arrayBuffer()).byteLength, range.length);
    }

    await encoder.exited;
    for (const v of variants) {
      const url = new URL(v.uri, base).toString();
      const probed = await ffprobeStreams(url);
      const video = probed.streams.find((s) => s.codec_type === 'video');
      assert.equal(video?.height, v.resolution?.height, v.uri);
      assert.ok(probed.streams.some((s) => s.codec_type === 'audio'), `${v.uri} has audio`);
      const decoded = await decodeFully(url);
      assert.ok(decoded.ok, decoded.stderr);
      // The playlist closed at the session's end (EXT-X-ENDLIST) still names ranges.
      const closed = await waitFor(`${v.uri} closed`, async () => {
        const p = parseMediaPlaylist((await fetchText(url)).text);
        return p.endList ? p : undefined;
      });
      assert.ok(closed.segments.every((s) => s.gap || s.byteRange), `${v.uri} keeps its byte ranges when closed`);
    }

    const files = await filesUnder(t.dataDir);
    const ts = files.filter((f) => f.endsWith('.ts'));
    const rounds = ts.filter((f) => f.includes('/rounds/')).map((f) => parseRoundFileName(f.slice(f.lastIndexOf('/') + 1)));
    const perRendition = ts.filter((f) => /\/(360p|180p)\/\d+-\d+-\d+\.ts$/.test(f));
    assert.equal(perRendition.length, 0, `no per-rendition segment objects: ${perRendition.join(', ')}`);
    assert.ok(rounds.length >= 3 && rounds.every((r) => r !== undefined), `round objects stored: ${rounds.length}`);
    const complete = rounds.filter((r) => r?.members.length === variants.length).length;
    console.log(`# ${complete}/${rounds.length} round objects held every rendition (1 s window; the rest are late members or a run's last segment)`);
    assert.ok(complete >= rounds.length / 2, `most rounds hold every rendition: ${complete}/${rounds.length}`);
  });
});
