/** EXT-X-BYTERANGE in media playlists: what segment rounds rely on (core/hls/playlist.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveSegmentsFromPlaylist, mediaPlaylistFromWindow, parseMediaPlaylist, PlaylistError, writeMediaPlaylist, type LiveSegment } from '../../../../core/hls/playlist';

describe('media playlists with byte ranges', () => {
  it('writes BYTERANGE before the URI, raises the version to 4 only when a range is present, and parses it back', () => {
    const window: LiveSegment[] = [
      { sequence: 7, uri: '../rounds/7-0.a-2000-100.b-2000-50.ts', duration: 2, discontinuitySequence: 0, discontinuity: false, byteRange: { length: 50, offset: 100 } },
      { sequence: 8, uri: '8-2000-0.ts', duration: 2, discontinuitySequence: 0, discontinuity: false },
      { sequence: 9, uri: '9-2000-0.ts', duration: 2, discontinuitySequence: 0, discontinuity: false, gap: true },
    ];
    const text = writeMediaPlaylist(mediaPlaylistFromWindow(window, { targetDuration: 2 }));
    assert.match(text, /#EXT-X-VERSION:4\n/);
    assert.match(text, /#EXTINF:2\.000,\n#EXT-X-BYTERANGE:50@100\n\.\.\/rounds\/7-0\.a-2000-100\.b-2000-50\.ts\n/);
    assert.deepEqual(liveSegmentsFromPlaylist(parseMediaPlaylist(text)), window);
    const plain = writeMediaPlaylist(mediaPlaylistFromWindow(window.slice(1), { targetDuration: 2 }));
    assert.match(plain, /#EXT-X-VERSION:3\n/);
    assert.doesNotMatch(plain, /BYTERANGE/);
  });

  it('resolves a range without an offset from the previous range of the same URI (RFC 8216 §4.3.2.2)', () => {
    const parsed = parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n#EXT-X-BYTERANGE:10@5\nr.ts\n#EXTINF:2,\n#EXT-X-BYTERANGE:20\nr.ts\n#EXT-X-ENDLIST\n');
    assert.deepEqual(parsed.segments.map((s) => s.byteRange), [{ length: 10, offset: 5 }, { length: 20, offset: 15 }]);
  });

  it('refuses garbled ranges with a line number', () => {
    for (const bad of ['#EXT-X-BYTERANGE:abc', '#EXT-X-BYTERANGE:10@', '#EXT-X-BYTERANGE:-1@0', '#EXT-X-BYTERANGE:10']) {
      assert.throws(() => parseMediaPlaylist(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${bad}\nr.ts\n`), PlaylistError, bad);
    }
    assert.throws(() => parseMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-BYTERANGE:10@0\n'), PlaylistError);
    assert.throws(() => writeMediaPlaylist({ targetDuration: 2, mediaSequence: 0, discontinuitySequence: 0, segments: [{ uri: 'r.ts', duration: 2, byteRange: { length: 0, offset: 0 } }] }), PlaylistError);
  });
});
