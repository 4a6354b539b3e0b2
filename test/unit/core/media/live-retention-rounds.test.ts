/** Live retention of segment rounds: a round is shared by every rendition's playlist, so any of them keeps it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mediaPlaylistFromWindow, writeMediaPlaylist } from '../../../../core/hls/playlist';
import { expiredLiveObjects, keysNamedByLivePlaylist, livePlaylistRenditions } from '../../../../core/media/live-retention';
import { roundKey, roundUri, type RoundName } from '../../../../core/media/layout';

const ST = 'st_abcdefghijklmnopqrst';
const round = (seq: number, members = ['720p', '360p']): RoundName => ({ seq, disc: 0, members: members.map((rendition) => ({ rendition, durationMs: 2000, bytes: 1000 })) });
const key = (r: RoundName) => ({ key: roundKey(ST, r) });

describe('live retention of segment rounds', () => {
  const rounds = [round(0), round(1), round(2), round(3), round(3, ['360p'])];
  const objects = rounds.map(key);

  it('asks for the playlists of every member rendition', () => {
    assert.deepEqual([...livePlaylistRenditions(objects)].sort(), ['360p', '720p']);
  });

  it('deletes a round behind the retention that no playlist names; late members age with their sequence', () => {
    const text = writeMediaPlaylist(mediaPlaylistFromWindow([{ sequence: 1, uri: roundUri(round(1)), duration: 2, discontinuitySequence: 0, discontinuity: false, byteRange: { offset: 0, length: 1000 } }], { targetDuration: 2 }));
    const named720 = keysNamedByLivePlaylist(ST, '720p', text) as Set<string>;
    assert.deepEqual([...named720], [roundKey(ST, round(1))], 'the ../rounds/ URI resolves to the round key');
    const doomed = expiredLiveObjects(objects, { kind: 'open', named: new Map([['720p', named720], ['360p', new Set()]]) }, 4_000);
    assert.deepEqual(doomed, [roundKey(ST, round(0))], 'round 1 is named by 720p; rounds 2 and 3 (both objects) are recent');
  });

  it('deletes no round while a member rendition\'s playlist is unreadable or unknown', () => {
    assert.deepEqual(expiredLiveObjects(objects, { kind: 'open', named: new Map([['720p', new Set()], ['360p', undefined]]) }, 0), []);
    assert.deepEqual(expiredLiveObjects(objects, { kind: 'open', named: new Map([['720p', new Set()]]) }, 0), []);
  });

  it('idle and deleted streams lose their rounds like any segment', () => {
    assert.deepEqual(expiredLiveObjects(objects, { kind: 'idle', idleMs: 10 }, 10), objects.map((o) => o.key));
    assert.deepEqual(expiredLiveObjects(objects, { kind: 'deleted' }, 10), objects.map((o) => o.key));
  });
});
