import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PlaylistError,
  liveSegmentsFromPlaylist,
  mediaPlaylistFromWindow,
  parseMediaPlaylist,
  targetDurationFor,
  writeMasterPlaylist,
  writeMediaPlaylist,
  type LiveSegment,
} from '../../../../core/hls/playlist';

describe('writeMediaPlaylist', () => {
  it('writes a live playlist exactly', () => {
    const text = writeMediaPlaylist({
      targetDuration: 2,
      mediaSequence: 7,
      discontinuitySequence: 0,
      segments: [
        { uri: '7.ts', duration: 2, programDateTime: '2024-05-01T10:00:00.000Z' },
        { uri: '8.ts', duration: 2.0004 },
        { uri: '9.ts', duration: 1.9996 },
      ],
    });
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:7',
        '#EXT-X-PROGRAM-DATE-TIME:2024-05-01T10:00:00.000Z',
        '#EXTINF:2.000,',
        '7.ts',
        '#EXTINF:2.000,',
        '8.ts',
        '#EXTINF:2.000,',
        '9.ts',
        '',
      ].join('\n'),
    );
  });

  it('writes discontinuities, gaps, the discontinuity sequence and the end list', () => {
    const text = writeMediaPlaylist({
      targetDuration: 2,
      mediaSequence: 120,
      discontinuitySequence: 3,
      independentSegments: true,
      playlistType: 'EVENT',
      segments: [
        { uri: '120.ts', duration: 2 },
        { uri: '121.ts', duration: 1.5, gap: true },
        { uri: '122.ts', duration: 2.002, discontinuity: true },
      ],
      endList: true,
    });
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MEDIA-SEQUENCE:120',
        '#EXT-X-DISCONTINUITY-SEQUENCE:3',
        '#EXT-X-PLAYLIST-TYPE:EVENT',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXTINF:2.000,',
        '120.ts',
        '#EXT-X-GAP',
        '#EXTINF:1.500,',
        '121.ts',
        '#EXT-X-DISCONTINUITY',
        '#EXTINF:2.002,',
        '122.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('takes the target duration from the longest segment rounded to the nearest second (RFC 8216), never below the floor', () => {
    assert.equal(targetDurationFor([2, 2, 2]), 2);
    assert.equal(targetDurationFor([2.0004]), 2, 'float noise below a millisecond does not bump the target');
    assert.equal(targetDurationFor([2.021]), 2, 'RFC 8216 compares the rounded duration');
    assert.equal(targetDurationFor([2.5]), 3);
    assert.equal(targetDurationFor([0.4]), 1);
    assert.equal(targetDurationFor([1.2], 4), 4);
    assert.equal(targetDurationFor([5.5], 4), 6);
    const text = writeMediaPlaylist({ targetDuration: 2, mediaSequence: 0, discontinuitySequence: 0, segments: [{ uri: '0.ts', duration: 6.52 }] });
    assert.match(text, /#EXT-X-TARGETDURATION:7\n/);
  });

  it('refuses input that would produce an invalid or ambiguous playlist', () => {
    const base = { targetDuration: 2, mediaSequence: 0, discontinuitySequence: 0 };
    const bad = [
      { ...base, mediaSequence: -1, segments: [] },
      { ...base, mediaSequence: 1.5, segments: [] },
      { ...base, segments: [{ uri: '', duration: 2 }] },
      { ...base, segments: [{ uri: '#EXT-X-ENDLIST', duration: 2 }] },
      { ...base, segments: [{ uri: 'a.ts\n#EXT-X-ENDLIST', duration: 2 }] },
      { ...base, segments: [{ uri: 'a.ts', duration: 0 }] },
      { ...base, segments: [{ uri: 'a.ts', duration: Number.NaN }] },
      { ...base, segments: [{ uri: 'a.ts', duration: 2, programDateTime: 'yesterday' }] },
      { ...base, segments: [], playlistType: 'VOD' as const },
    ];
    for (const input of bad) assert.throws(() => writeMediaPlaylist(input), PlaylistError, JSON.stringify(input));
  });
});

describe('writeMasterPlaylist', () => {
  it('writes variants in the order given with every attribute', () => {
    const text = writeMasterPlaylist({
      variants: [
        { uri: '720p/index.m3u8', bandwidth: 3_200_000, averageBandwidth: 2_800_000, codecs: 'avc1.64001f,mp4a.40.2', resolution: { width: 1280, height: 720 }, frameRate: 30 },
        { uri: '360p/index.m3u8', bandwidth: 900_000, codecs: 'avc1.42c01e,mp4a.40.2', resolution: { width: 640, height: 360 }, frameRate: 29.97 },
        { uri: 'audio/index.m3u8', bandwidth: 128_000, codecs: 'mp4a.40.2' },
      ],
    });
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=3200000,AVERAGE-BANDWIDTH=2800000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000',
        '720p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.42c01e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=29.970',
        '360p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS="mp4a.40.2"',
        'audio/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('refuses empty ladders and attribute injection', () => {
    assert.throws(() => writeMasterPlaylist({ variants: [] }), PlaylistError);
    assert.throws(() => writeMasterPlaylist({ variants: [{ uri: 'a.m3u8', bandwidth: 1, codecs: 'avc1",X="y' }] }), PlaylistError);
    assert.throws(() => writeMasterPlaylist({ variants: [{ uri: 'a.m3u8', bandwidth: 0, codecs: 'avc1' }] }), PlaylistError);
    assert.throws(() => writeMasterPlaylist({ variants: [{ uri: 'a.m3u8', bandwidth: 1, codecs: 'avc1', resolution: { width: 1.5, height: 2 } }] }), PlaylistError);
  });
});

describe('live windows', () => {
  /** Segments 0..9 where 3 and 7 start new discontinuity domains (an encoder restart each). */
  function timeline(): LiveSegment[] {
    const out: LiveSegment[] = [];
    let disc = 0;
    for (let seq = 0; seq < 10; seq++) {
      const discontinuity = seq === 3 || seq === 7;
      if (discontinuity) disc += 1;
      out.push({ sequence: seq, uri: `${seq}.ts`, duration: 2, discontinuitySequence: disc, discontinuity });
    }
    return out;
  }

  it('increments EXT-X-DISCONTINUITY-SEQUENCE exactly when a discontinuity tag leaves the window', () => {
    const all = timeline();
    const headers: Array<[number, number, number]> = [];
    for (let end = 3; end <= all.length; end++) {
      const input = mediaPlaylistFromWindow(all.slice(end - 3, end), { targetDuration: 2 });
      const tags = input.segments.filter((s) => s.discontinuity).length;
      headers.push([input.mediaSequence, input.discontinuitySequence, tags]);
    }
    assert.deepEqual(headers, [
      [0, 0, 0],
      [1, 0, 1], // window 1,2,3d
      [2, 0, 1],
      [3, 0, 1], // 3d is first: its tag is still in the playlist
      [4, 1, 0], // 3d left: +1
      [5, 1, 1], // 5,6,7d
      [6, 1, 1],
      [7, 1, 1],
    ]);
  });

  it('keeps every segment\'s discontinuity number as the window slides (what players align on)', () => {
    const all = timeline();
    for (let end = 3; end <= all.length; end++) {
      const parsed = parseMediaPlaylist(writeMediaPlaylist(mediaPlaylistFromWindow(all.slice(end - 3, end), { targetDuration: 2 })));
      assert.deepEqual(liveSegmentsFromPlaylist(parsed), all.slice(end - 3, end));
    }
  });

  it('refuses windows that are not consecutive or whose numbers disagree', () => {
    const all = timeline();
    assert.throws(() => mediaPlaylistFromWindow([], { targetDuration: 2 }), PlaylistError);
    assert.throws(() => mediaPlaylistFromWindow([all[0]!, all[2]!], { targetDuration: 2 }), PlaylistError);
    assert.throws(() => mediaPlaylistFromWindow([all[2]!, { ...all[3]!, discontinuitySequence: 5 }], { targetDuration: 2 }), PlaylistError);
  });
});

describe('parseMediaPlaylist', () => {
  it('round-trips what the writer produces', () => {
    const input = {
      targetDuration: 4,
      mediaSequence: 41,
      discontinuitySequence: 2,
      independentSegments: true,
      segments: [
        { uri: '41.ts', duration: 3.998, programDateTime: '2024-05-01T10:00:00.000Z' },
        { uri: '42.ts', duration: 4, gap: true },
        { uri: '43.ts', duration: 1.234, discontinuity: true, programDateTime: '2024-05-01T10:00:09.000+02:00' },
      ],
      endList: true,
    };
    assert.deepEqual(parseMediaPlaylist(writeMediaPlaylist(input)), {
      version: 3,
      targetDuration: 4,
      mediaSequence: 41,
      discontinuitySequence: 2,
      independentSegments: true,
      endList: true,
      segments: [
        { uri: '41.ts', duration: 3.998, discontinuity: false, gap: false, programDateTime: '2024-05-01T10:00:00.000Z' },
        { uri: '42.ts', duration: 4, discontinuity: false, gap: true },
        { uri: '43.ts', duration: 1.234, discontinuity: true, gap: false, programDateTime: '2024-05-01T10:00:09.000+02:00' },
      ],
    });
  });

  it('reads playlists written by other tools (CRLF, titles, unknown tags, no media sequence)', () => {
    const parsed = parseMediaPlaylist('#EXTM3U\r\n#EXT-X-TARGETDURATION:10\r\n#EXT-X-ALLOW-CACHE:YES\r\n#EXTINF:9.009,title\r\nhttp://x/a.ts\r\n');
    assert.equal(parsed.mediaSequence, 0);
    assert.equal(parsed.discontinuitySequence, 0);
    assert.equal(parsed.endList, false);
    assert.deepEqual(parsed.segments, [{ uri: 'http://x/a.ts', duration: 9.009, discontinuity: false, gap: false }]);
  });

  it('rejects garbage with a typed error', () => {
    const garbage = [
      '',
      '<html>nope</html>',
      '#EXTM3U\n#EXTINF:2,\n0.ts\n', // no target duration
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n0.ts\n', // URI without EXTINF
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n', // EXTINF without URI
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:abc,\n0.ts\n',
      '#EXTM3U\n#EXT-X-TARGETDURATION:-2\n',
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-TARGETDURATION:3\n',
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n0.ts\n#EXT-X-MEDIA-SEQUENCE:4\n',
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n0.ts\n#EXT-X-ENDLIST\n#EXTINF:2,\n1.ts\n',
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n0.ts\n#EXT-X-DISCONTINUITY\n',
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n',
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na b.ts\n',
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:soon\n#EXTINF:2,\n0.ts\n',
    ];
    for (const text of garbage) {
      assert.throws(
        () => parseMediaPlaylist(text),
        (err: unknown) => err instanceof PlaylistError && err.code === 'validation',
        JSON.stringify(text),
      );
    }
  });
});
