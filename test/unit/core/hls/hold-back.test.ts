/** HOLD-BACK of classic live playlists: the value, and where it is (not) written. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveHoldBackSeconds } from '../../../../core/hls/hold-back';
import { parseMediaPlaylist, writeMediaPlaylist } from '../../../../core/hls/playlist';

describe('liveHoldBackSeconds', () => {
  it('is one target duration plus max(1 s, half of one)', () => {
    assert.equal(liveHoldBackSeconds(2), 3);
    assert.equal(liveHoldBackSeconds(1), 2);
    assert.equal(liveHoldBackSeconds(4), 6);
  });
});

describe('writeMediaPlaylist with a hold-back', () => {
  const input = { targetDuration: 2, mediaSequence: 7, discontinuitySequence: 0, segments: [{ uri: 'a.ts', duration: 2 }], holdBackSeconds: 3 };

  it('writes EXT-X-SERVER-CONTROL:HOLD-BACK before the segments of a live playlist, which still parses', () => {
    const text = writeMediaPlaylist(input);
    assert.match(text, /#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-SERVER-CONTROL:HOLD-BACK=3\.000\n#EXTINF/);
    assert.equal(text.includes('CAN-BLOCK-RELOAD'), false, 'normal playlists never ask for blocking reloads');
    assert.equal(parseMediaPlaylist(text).segments.length, 1);
  });

  it('leaves it out once the playlist has ended', () => {
    assert.equal(writeMediaPlaylist({ ...input, endList: true }).includes('SERVER-CONTROL'), false);
  });
});
