/** Segment rounds at the packager's edges: options refuse the reserved folder name, and closing a live playlist keeps byte ranges. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../../../../core/errors';
import { mediaPlaylistFromWindow, parseMediaPlaylist, writeMediaPlaylist } from '../../../../../core/hls/playlist';
import { liveMediaPlaylistKey, roundKey, roundUri } from '../../../../../core/media/layout';
import { audienceOfKey, mediaScopeOf } from '../../../../../core/playback/playback-access';
import { finalizeLivePlaylists } from '../../../../../containers/ingest/src/packager/finalize';
import { validateOptions } from '../../../../../containers/ingest/src/packager/options';
import { MemoryObjectStore } from '../../../../support/memory-object-store';

const ST = 'st_abcdefghijklmnopqrst';
const plan = (name: string) => ({ name, bandwidth: 1000, codecs: 'avc1.64001f,mp4a.40.2' });

describe('segment rounds: packager options and closing playlists', () => {
  it('refuses a rendition called "rounds" and a round window out of range', () => {
    const store = new MemoryObjectStore();
    assert.throws(() => validateOptions({ streamId: ST, renditions: [plan('rounds')], objectStore: store }), (err: unknown) => err instanceof ValidationError && /rounds is reserved/.test(err.message));
    assert.throws(() => validateOptions({ streamId: ST, renditions: [plan('720p')], objectStore: store, segmentRounds: { windowMs: -1 } }), /segmentRounds\.windowMs/);
    assert.doesNotThrow(() => validateOptions({ streamId: ST, renditions: [plan('720p')], objectStore: store, segmentRounds: {} }));
  });

  it('EXT-X-ENDLIST at the session end keeps every member\'s byte range (and version 4)', async () => {
    const store = new MemoryObjectStore();
    const round = { seq: 3, disc: 0, members: [{ rendition: '720p', durationMs: 2000, bytes: 500 }, { rendition: '360p', durationMs: 2000, bytes: 200 }] };
    const text = writeMediaPlaylist(mediaPlaylistFromWindow([{ sequence: 3, uri: roundUri(round), duration: 2, discontinuitySequence: 0, discontinuity: false, byteRange: { offset: 500, length: 200 } }], { targetDuration: 2 }));
    await store.put(liveMediaPlaylistKey(ST, '360p'), text, { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'no-cache' });
    assert.equal(await finalizeLivePlaylists(store, ST), 1);
    const closed = parseMediaPlaylist(new TextDecoder().decode((await store.get(liveMediaPlaylistKey(ST, '360p')))!));
    assert.equal(closed.endList, true);
    assert.equal(closed.version, 4);
    assert.deepEqual(closed.segments.map((s) => s.byteRange), [{ offset: 500, length: 200 }]);
  });

  it('signed playback treats round objects as media of their stream or recording (origin and edge check by id)', () => {
    const round = { seq: 0, disc: 0, members: [{ rendition: '720p', durationMs: 2000, bytes: 1 }] };
    const rec = 'rec_abcdefghijklmnopqrst';
    assert.deepEqual(mediaScopeOf(roundKey(ST, round)), { folder: 'live', id: ST });
    assert.deepEqual(mediaScopeOf(roundKey(ST, round, rec)), { folder: 'recordings', id: rec });
    assert.equal(audienceOfKey(roundKey(ST, round)), 'live');
    assert.equal(audienceOfKey(roundKey(ST, round, rec)), 'vod');
  });
});
