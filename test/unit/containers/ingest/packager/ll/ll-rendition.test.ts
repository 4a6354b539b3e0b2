import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLlMediaPlaylist } from '../../../../../../core/hls/ll-playlist';
import { endLlPlaylist } from '../../../../../../containers/ingest/src/packager/ll/ll-finalize';
import { LlRendition, type LlOutput } from '../../../../../../containers/ingest/src/packager/ll/ll-rendition';

/** `seconds` of 30 fps video, a keyframe every `gop` s, each frame followed by an audio-only fragment. */
function* frames(seconds: number, gop: number, fps = 30) {
  const d = 1 / fps;
  for (let i = 0; i < seconds * fps; i++) {
    yield { bytes: Buffer.from(`v${i}`), start: i * d, duration: d, keyframe: i % Math.round(gop * fps) === 0 };
    yield { bytes: Buffer.from(`a${i}`), start: i * d, duration: 0, keyframe: false };
  }
}

function run(seconds: number, gop: number, segmentSeconds = 2, partTarget = 0.25): { r: LlRendition; out: LlOutput[] } {
  const r = new LlRendition({ partTarget, segmentSeconds, liveWindow: 6 }, { nextSequence: 0, discontinuitySequence: 0 });
  r.beginRun(0, 0, false);
  const out: LlOutput[] = [];
  for (const f of frames(seconds, gop)) out.push(...r.push(f));
  return { r, out };
}

describe('LlRendition', () => {
  it('cuts parts within PART-TARGET, at least 85 % of it except where a segment ends, and segments at keyframes', () => {
    const { out } = run(6.5, 2);
    const parts = out.flatMap((o) => (o.kind === 'part' ? [o] : []));
    const segments = out.flatMap((o) => (o.kind === 'segment' ? [o.segment] : []));
    assert.deepEqual(segments.map((s) => s.sequence), [0, 1, 2]);
    for (const s of segments) assert.ok(Math.abs(s.duration - 2) < 1e-6, `segment ${s.sequence} lasts ${s.duration}`);
    for (const p of parts) assert.ok(p.part.duration <= 0.25 + 1e-9, `${p.uri} lasts ${p.part.duration}`);
    for (const s of segments) {
      s.parts.slice(0, -1).forEach((p) => assert.ok(p.duration >= 0.85 * 0.25, `${p.uri} lasts ${p.duration}`));
      assert.equal(s.parts[0]!.independent, true);
      assert.ok(s.parts.slice(1).every((p) => !p.independent));
    }
  });

  it('hands every byte of a part to the sink before the part closes, and the segment is its parts concatenated', () => {
    const { out } = run(2.2, 2);
    const data = new Map<string, Buffer[]>();
    for (const o of out) if (o.kind === 'part-data') data.set(o.uri, [...(data.get(o.uri) ?? []), o.bytes]);
    const parts = out.flatMap((o) => (o.kind === 'part' ? [o] : []));
    for (const p of parts) assert.ok(Buffer.concat(data.get(p.uri)!).equals(p.bytes));
    const segment = out.find((o) => o.kind === 'segment')!;
    assert.ok(segment.kind === 'segment' && segment.bytes.equals(Buffer.concat(parts.filter((p) => p.sequence === 0).map((p) => p.bytes))));
  });

  it('names the next part in the preload hint and continues numbering into the next segment', () => {
    const { r, out } = run(2.1, 2);
    const opened = out.flatMap((o) => (o.kind === 'part-open' ? [o.uri] : []));
    assert.deepEqual(opened.slice(0, 3), ['ll-0-0.m4s', 'll-0-1.m4s', 'll-0-2.m4s']);
    const playlist = parseLlMediaPlaylist(r.playlist([])!);
    assert.equal(playlist.preloadHint?.uri, opened.at(-1));
    assert.equal(playlist.segments.length, 1);
    assert.ok(playlist.pendingParts.length >= 0);
  });

  it('starts a new run with a discontinuity, a new map and a base no lower than before', () => {
    const { r } = run(4.1, 2);
    r.finish();
    assert.throws(() => r.beginRun(1, 0, true), RangeError);
    r.beginRun(r.sequenceAfter, 0, true);
    for (const f of frames(2.1, 2)) r.push(f);
    const text = r.playlist([{ uri: '../360p/ll.m3u8', lastMsn: 3, lastPart: 2 }])!;
    assert.match(text, /#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="ll-init-3.mp4"/);
    assert.match(text, /#EXT-X-RENDITION-REPORT:URI="..\/360p\/ll.m3u8",LAST-MSN=3,LAST-PART=2/);
  });

  it('ends: EXT-X-ENDLIST, no hint, and the unfinished segment dropped by the finalizer', () => {
    const { r } = run(3, 2);
    const ended = endLlPlaylist(r.playlist([])!)!;
    assert.match(ended, /ll-0\.m4s\n#EXT-X-ENDLIST\n$/);
    assert.doesNotMatch(ended, /PRELOAD-HINT/);
    assert.equal(endLlPlaylist(ended), undefined);
    r.finish();
    r.end();
    assert.match(r.playlist([])!, /ll-1\.m4s\n#EXT-X-ENDLIST\n$/);
  });
});
