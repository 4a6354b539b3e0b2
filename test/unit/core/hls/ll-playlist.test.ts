import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastPartOf, parseLlMediaPlaylist, writeLlMediaPlaylist, type LlPart, type LlSegment } from '../../../../core/hls/ll-playlist';
import { PlaylistError } from '../../../../core/hls/playlist';

const parts = (seq: number, n: number, d = 0.233): LlPart[] => Array.from({ length: n }, (_, i) => ({ uri: `p${seq}.${i}.m4s`, duration: d, independent: i === 0 }));
const segment = (seq: number, extra: Partial<LlSegment> = {}): LlSegment => ({ sequence: seq, uri: `s${seq}.m4s`, duration: 1, discontinuitySequence: 0, mapUri: 'init-1.mp4', parts: parts(seq, 4, 0.25), ...extra });

describe('writeLlMediaPlaylist', () => {
  it('writes the LL-HLS tags in RFC 8216bis order: server control, part info, map, parts, preload hint, rendition reports', () => {
    const text = writeLlMediaPlaylist({
      targetDuration: 1,
      partTarget: 0.25,
      segments: [segment(10), segment(11)],
      pending: { sequence: 12, discontinuitySequence: 0, mapUri: 'init-1.mp4', parts: parts(12, 2) },
      preloadHintUri: 'p12.2.m4s',
      renditionReports: [{ uri: '../360p/ll.m3u8', lastMsn: 12, lastPart: 1 }],
    });
    const lines = text.trim().split('\n');
    assert.deepEqual(lines.slice(0, 8), [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      '#EXT-X-TARGETDURATION:1',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.750',
      '#EXT-X-PART-INF:PART-TARGET=0.250',
      '#EXT-X-MEDIA-SEQUENCE:10',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="init-1.mp4"',
    ]);
    assert.ok(lines.includes('#EXT-X-PART:DURATION=0.250,URI="p11.0.m4s",INDEPENDENT=YES'));
    assert.ok(lines.includes('#EXT-X-PART:DURATION=0.250,URI="p11.1.m4s"'));
    assert.deepEqual(lines.slice(-4), [
      '#EXT-X-PART:DURATION=0.233,URI="p12.0.m4s",INDEPENDENT=YES',
      '#EXT-X-PART:DURATION=0.233,URI="p12.1.m4s"',
      '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p12.2.m4s"',
      '#EXT-X-RENDITION-REPORT:URI="../360p/ll.m3u8",LAST-MSN=12,LAST-PART=1',
    ]);
  });

  it('refuses a part longer than PART-TARGET (players reject the asset)', () => {
    assert.throws(
      () => writeLlMediaPlaylist({ targetDuration: 1, partTarget: 0.25, segments: [segment(0, { parts: [{ uri: 'a.m4s', duration: 0.2505, independent: true }] })] }),
      (err: unknown) => err instanceof PlaylistError && /over PART-TARGET/.test(err.message),
    );
    assert.throws(() => writeLlMediaPlaylist({ targetDuration: 1, partTarget: 0.25, segments: [], pending: { sequence: 0, discontinuitySequence: 0, mapUri: 'i.mp4', parts: parts(0, 1, 0.3) } }), PlaylistError);
  });

  it('refuses PART-HOLD-BACK under twice PART-TARGET, gaps in numbering, and quotes in URIs', () => {
    assert.throws(() => writeLlMediaPlaylist({ targetDuration: 1, partTarget: 0.25, partHoldBack: 0.4, segments: [segment(0)] }), /PART-HOLD-BACK/);
    assert.throws(() => writeLlMediaPlaylist({ targetDuration: 1, partTarget: 0.25, segments: [segment(0), segment(2)] }), /consecutive/);
    assert.throws(() => writeLlMediaPlaylist({ targetDuration: 1, partTarget: 0.25, segments: [segment(0, { uri: 'a".m4s' })] }), PlaylistError);
  });

  it('lists parts only for the last three target durations, and writes a new map and a discontinuity for a new run', () => {
    const segments = [0, 1, 2, 3, 4, 5].map((s) => segment(s, s >= 4 ? { discontinuitySequence: 1, discontinuity: s === 4, mapUri: 'init-2.mp4' } : {}));
    const text = writeLlMediaPlaylist({ targetDuration: 1, partTarget: 0.25, segments });
    assert.doesNotMatch(text, /URI="p2\.0\.m4s"/);
    assert.match(text, /URI="p3\.0\.m4s"/);
    assert.match(text, /#EXTINF:1.000,\ns3.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-2.mp4"\n/);
  });

  it('ends with EXT-X-ENDLIST and no preload hint when the session is over', () => {
    const text = writeLlMediaPlaylist({ targetDuration: 1, partTarget: 0.25, segments: [segment(0)], preloadHintUri: 'x.m4s', endList: true });
    assert.match(text, /#EXT-X-ENDLIST\n$/);
    assert.doesNotMatch(text, /PRELOAD-HINT/);
  });
});

describe('parseLlMediaPlaylist', () => {
  it('reads back what the writer wrote, with the newest part', () => {
    const text = writeLlMediaPlaylist({
      targetDuration: 1,
      partTarget: 0.25,
      segments: [segment(7), segment(8)],
      pending: { sequence: 9, discontinuitySequence: 0, mapUri: 'init-1.mp4', parts: parts(9, 3) },
      preloadHintUri: 'p9.3.m4s',
      renditionReports: [{ uri: '../a/ll.m3u8', lastMsn: 9, lastPart: 2 }],
    });
    const parsed = parseLlMediaPlaylist(text);
    assert.equal(parsed.partTarget, 0.25);
    assert.equal(parsed.canBlockReload, true);
    assert.equal(parsed.partHoldBack, 0.75);
    assert.deepEqual(parsed.segments.map((s) => [s.sequence, s.parts.length, s.mapUri]), [[7, 4, 'init-1.mp4'], [8, 4, 'init-1.mp4']]);
    assert.equal(parsed.pendingParts.length, 3);
    assert.deepEqual(parsed.preloadHint, { type: 'PART', uri: 'p9.3.m4s' });
    assert.deepEqual(parsed.renditionReports, [{ uri: '../a/ll.m3u8', lastMsn: 9, lastPart: 2 }]);
    assert.deepEqual(lastPartOf(parsed), { msn: 9, part: 2 });
  });

  it('refuses garbage with the line', () => {
    assert.throws(() => parseLlMediaPlaylist('nope'), PlaylistError);
    assert.throws(() => parseLlMediaPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-PART:DURATION=x,URI="a"\n'), /line 3/);
  });
});
