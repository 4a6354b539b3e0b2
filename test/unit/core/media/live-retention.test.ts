/** Which live segments retention may delete: never one a playlist names, never one of unknown age. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeMediaPlaylist } from '../../../../core/hls/playlist';
import { expiredLiveObjects, keysNamedByLivePlaylist } from '../../../../core/media/live-retention';

const ST = 'st_abcdefghijklmnopqrst';
const seg = (rendition: string, seq: number, ms = 2000) => ({ key: `live/${ST}/${rendition}/${seq}-${ms}-0.ts` });
const playlist = (rendition: string) => ({ key: `live/${ST}/${rendition}/index.m3u8` });

describe('live segment retention', () => {
  const objects = [playlist('720p'), seg('720p', 0), seg('720p', 1), seg('720p', 2), seg('720p', 3), { key: `live/${ST}/720p/4.ts` }, { key: `live/${ST}/master.m3u8` }];

  it('removes the whole folder of a deleted stream', () => {
    assert.deepEqual(expiredLiveObjects(objects, { kind: 'deleted' }, 10_000), objects.map((o) => o.key));
  });

  it('removes the segments of an idle stream once it is idle long enough, keeping its playlists', () => {
    assert.deepEqual(expiredLiveObjects(objects, { kind: 'idle', idleMs: 9_999 }, 10_000), []);
    assert.deepEqual(
      expiredLiveObjects(objects, { kind: 'idle', idleMs: 10_000 }, 10_000),
      objects.filter((o) => o.key.endsWith('.ts')).map((o) => o.key),
    );
  });

  it('keeps, for an open session, the newest retention of media and whatever the playlist names', () => {
    // Newest first: 3 (0 ms behind), 2 (2000), 1 (4000), 0 (6000). With 4000 ms retention, 1 and 0 are due; 1 is named.
    const named = new Set([seg('720p', 1).key]);
    assert.deepEqual(expiredLiveObjects(objects, { kind: 'open', named: new Map([['720p', named]]) }, 4_000), [seg('720p', 0).key]);
  });

  it('deletes nothing of a rendition whose playlist could not be read, nor a name without its duration', () => {
    assert.deepEqual(expiredLiveObjects(objects, { kind: 'open', named: new Map([['720p', undefined]]) }, 0), []);
    const kept = expiredLiveObjects(objects, { kind: 'open', named: new Map([['720p', new Set<string>()]]) }, 0);
    assert.ok(!kept.includes(`live/${ST}/720p/4.ts`));
    assert.equal(kept.length, 4);
  });

  it('reads the keys a live playlist names, recording segments included', () => {
    const text = writeMediaPlaylist({
      targetDuration: 2,
      mediaSequence: 5,
      discontinuitySequence: 0,
      segments: [
        { uri: '5-2000-0.ts', duration: 2 },
        { uri: '../../../recordings/rec_abcdefghijklmnopqrst/720p/6-2000-0.ts', duration: 2 },
      ],
      endList: false,
    });
    assert.deepEqual([...(keysNamedByLivePlaylist(ST, '720p', text) ?? [])], [`live/${ST}/720p/5-2000-0.ts`, 'recordings/rec_abcdefghijklmnopqrst/720p/6-2000-0.ts']);
    assert.equal(keysNamedByLivePlaylist(ST, '720p', 'not a playlist'), undefined);
  });
});
