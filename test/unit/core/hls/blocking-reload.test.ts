import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awaitPlaylist, blockingVerdict, parseDeliveryDirectives } from '../../../../core/hls/blocking-reload';
import { parseLlMediaPlaylist, writeLlMediaPlaylist, type LlPart } from '../../../../core/hls/ll-playlist';

const parts = (seq: number, n: number): LlPart[] => Array.from({ length: n }, (_, i) => ({ uri: `p${seq}.${i}.m4s`, duration: 0.25, independent: i === 0 }));
/** Segments 0..complete-1 done (4 parts each), then `pending` parts of segment `complete`. */
function playlist(complete: number, pending: number, endList = false): string {
  return writeLlMediaPlaylist({
    targetDuration: 1,
    partTarget: 0.25,
    segments: Array.from({ length: complete }, (_, s) => ({ sequence: s, uri: `s${s}.m4s`, duration: 1, discontinuitySequence: 0, mapUri: 'i.mp4', parts: parts(s, 4) })),
    ...(pending > 0 ? { pending: { sequence: complete, discontinuitySequence: 0, mapUri: 'i.mp4', parts: parts(complete, pending) } } : {}),
    endList,
  });
}

describe('parseDeliveryDirectives', () => {
  it('reads _HLS_msn/_HLS_part/_HLS_skip and refuses malformed ones with a stable code', () => {
    assert.deepEqual(parseDeliveryDirectives(new URLSearchParams('_HLS_msn=5&_HLS_part=2')), { ok: true, directives: { msn: 5, part: 2 } });
    assert.deepEqual(parseDeliveryDirectives(new URLSearchParams('')), { ok: true, directives: undefined });
    for (const q of ['_HLS_part=1', '_HLS_msn=-1', '_HLS_msn=1&_HLS_part=x', '_HLS_msn=1&_HLS_skip=maybe']) {
      const r = parseDeliveryDirectives(new URLSearchParams(q));
      assert.equal(r.ok, false, q);
      if (!r.ok) assert.equal(r.code, 'invalid_delivery_directive');
    }
  });
});

describe('blockingVerdict', () => {
  const p = parseLlMediaPlaylist(playlist(3, 2)); // segments 0-2 complete, parts 3.0 and 3.1
  it('is ready once the part (or a later one) is listed, and a part index past a complete segment means the next segment', () => {
    assert.equal(blockingVerdict(p, { msn: 3, part: 1 }), 'ready');
    assert.equal(blockingVerdict(p, { msn: 2, part: 4 }), 'ready');
    assert.equal(blockingVerdict(p, { msn: 2 }), 'ready');
  });
  it('waits for a part or segment not there yet', () => {
    assert.equal(blockingVerdict(p, { msn: 3, part: 2 }), 'wait');
    assert.equal(blockingVerdict(p, { msn: 3 }), 'wait');
    assert.equal(blockingVerdict(p, { msn: 4, part: 0 }), 'wait');
  });
  it('refuses requests beyond the spec limits (segment + 2, part + 3)', () => {
    assert.equal(blockingVerdict(p, { msn: 6 }), 'too_far_ahead');
    assert.equal(blockingVerdict(p, { msn: 3, part: 5 }), 'too_far_ahead');
  });
  it('answers at once when the playlist has ended', () => {
    assert.equal(blockingVerdict(parseLlMediaPlaylist(playlist(3, 0, true)), { msn: 9 }), 'ready');
  });
});

describe('awaitPlaylist', () => {
  /** A fake clock: sleep advances time, and the playlist grows by a part every 250 ms. */
  function world() {
    let now = 0;
    return {
      deps: {
        read: async () => playlist(1, Math.min(4, 1 + Math.floor(now / 250))),
        sleep: async (ms: number) => void (now += ms),
        now: () => now,
      },
      get now() {
        return now;
      },
    };
  }
  it('holds the request until the part appears', async () => {
    const w = world();
    const result = await awaitPlaylist(w.deps, { msn: 1, part: 2 });
    assert.equal(result.status, 200);
    assert.ok(w.now >= 500 && w.now < 600, `answered at ${w.now} ms`);
    assert.match((result as { body: string }).body, /p1\.2\.m4s/);
  });
  it('answers 503 after three target durations when the part never comes', async () => {
    const w = world();
    const result = await awaitPlaylist(w.deps, { msn: 2, part: 1 });
    assert.equal(result.status, 503);
    assert.ok(w.now >= 3000 && w.now < 3100, `gave up at ${w.now} ms`);
  });
  it('answers 400 at once for a request too far ahead', async () => {
    const w = world();
    const result = await awaitPlaylist(w.deps, { msn: 9 });
    assert.equal(result.status, 400);
    assert.equal(w.now, 0);
  });
  it('answers 404 when no playlist appears', async () => {
    let now = 0;
    const result = await awaitPlaylist({ read: async () => undefined, sleep: async (ms) => void (now += ms), now: () => now, noPlaylistWaitMs: 1000 }, { msn: 0 });
    assert.equal(result.status, 404);
  });
});
