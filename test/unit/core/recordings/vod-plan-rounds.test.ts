/** VOD plans from segment rounds (core/recordings/vod-plan.ts), also mixed with per-rendition objects. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeMediaPlaylist } from '../../../../core/hls/playlist';
import { roundKey, type RoundName } from '../../../../core/media/layout';
import { planVod } from '../../../../core/recordings/vod-plan';

const ST = 'st_abcdefghijklmnopqrst';
const REC = 'rec_abcdefghijklmnopqrst';
const round = (seq: number, members: Array<[string, number]>, disc = 0): RoundName => ({ seq, disc, members: members.map(([rendition, bytes]) => ({ rendition, durationMs: 2000, bytes })) });
const obj = (r: RoundName) => ({ key: roundKey(ST, r, REC), size: r.members.reduce((n, m) => n + m.bytes, 0) });

describe('planVod with segment rounds', () => {
  it('names each member by its range of ../rounds/<file>, fills a late member from its own object, and mixes layouts', () => {
    const r0 = round(0, [['720p', 300], ['360p', 100]]);
    const r1 = round(1, [['720p', 310]]);
    const r1late = round(1, [['360p', 90]]);
    const objects = [obj(r0), obj(r1), obj(r1late), { key: `recordings/${REC}/720p/2-2000-0.ts`, size: 320 }, { key: `recordings/${REC}/rounds/garbage.ts`, size: 5 }];
    const plan = planVod(objects, { recordingId: REC });
    assert.equal(plan.timelineSegments, 3);
    const r720 = plan.renditions.find((r) => r.name === '720p')!;
    const r360 = plan.renditions.find((r) => r.name === '360p')!;
    assert.deepEqual(r720.playlist.segments.map((s) => [s.uri.startsWith('../rounds/') ? 'round' : s.uri, s.byteRange, s.gap ?? false]), [
      ['round', { offset: 0, length: 300 }, false],
      ['round', { offset: 0, length: 310 }, false],
      ['2-2000-0.ts', undefined, false],
    ]);
    assert.deepEqual(r360.playlist.segments.map((s) => [s.byteRange, s.gap ?? false]), [[{ offset: 300, length: 100 }, false], [{ offset: 0, length: 90 }, false], [undefined, true]]);
    assert.equal(r720.bytes, 930);
    assert.equal(plan.bytes, 930 + 190);
    assert.match(writeMediaPlaylist(r360.playlist), /#EXT-X-VERSION:4\n[\s\S]*#EXT-X-BYTERANGE:100@300\n\.\.\/rounds\/0-0\.720p-2000-300\.360p-2000-100\.ts\n/);
  });

  it('skips a round whose stored size is not what its name says', () => {
    const r0 = round(0, [['720p', 300]]);
    assert.equal(planVod([{ ...obj(r0), size: 299 }], { recordingId: REC }).segmentCount, 0);
  });
});
