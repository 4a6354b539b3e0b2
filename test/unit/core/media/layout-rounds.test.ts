/** Segment round names (core/media/layout.ts): self-describing, unambiguous, and hostile names parse to nothing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isRenditionName,
  parseRecordingRoundKey,
  parseRecordingSegmentKey,
  parseRoundFileName,
  resolvePlaylistUri,
  roundFileName,
  roundKey,
  roundMemberRange,
  roundOfKey,
  roundsPrefix,
  roundUri,
  liveRenditionPrefix,
  type RoundName,
} from '../../../../core/media/layout';

const ST = 'st_abcdefghijklmnopqrst';
const REC = 'rec_abcdefghijklmnopqrst';
const ROUND: RoundName = {
  seq: 42,
  disc: 3,
  members: [
    { rendition: '1080p', durationMs: 2000, bytes: 500_000 },
    { rendition: 'hi-res_2', durationMs: 2002, bytes: 250_000 },
    { rendition: 'a-1', durationMs: 1999, bytes: 188 },
  ],
};

describe('segment round names', () => {
  it('round-trips sequence, discontinuity and each member (names with - and _ included), in byte order', () => {
    const name = roundFileName(ROUND);
    assert.equal(name, '42-3.1080p-2000-500000.hi-res_2-2002-250000.a-1-1999-188.ts');
    assert.deepEqual(parseRoundFileName(name), ROUND);
  });

  it('places each member at the sum of the lengths before it', () => {
    assert.deepEqual(roundMemberRange(ROUND, '1080p'), { rendition: '1080p', durationMs: 2000, bytes: 500_000, offset: 0, length: 500_000 });
    assert.deepEqual(roundMemberRange(ROUND, 'a-1'), { rendition: 'a-1', durationMs: 1999, bytes: 188, offset: 750_000, length: 188 });
    assert.equal(roundMemberRange(ROUND, '720p'), undefined);
  });

  it('keys live under live/<id>/rounds/ or recordings/<rec>/rounds/, and a live playlist URI resolves to the key', () => {
    assert.equal(roundsPrefix(ST), `live/${ST}/rounds/`);
    assert.equal(roundsPrefix(ST, REC), `recordings/${REC}/rounds/`);
    for (const rec of [undefined, REC]) {
      const key = roundKey(ST, ROUND, rec);
      assert.equal(resolvePlaylistUri(liveRenditionPrefix(ST, '1080p'), roundUri(ROUND, rec)), key);
      assert.deepEqual(roundOfKey(roundsPrefix(ST, rec), key), ROUND);
    }
    const parsed = parseRecordingRoundKey(roundKey(ST, ROUND, REC));
    assert.deepEqual(parsed, { ...ROUND, recordingId: REC, file: roundFileName(ROUND) });
    assert.equal(parseRecordingSegmentKey(roundKey(ST, ROUND, REC)), undefined, 'a round is not a rendition segment');
    assert.equal(parseRecordingSegmentKey(`recordings/${REC}/rounds/1-2000-0.ts`), undefined, 'rounds/ is never a rendition folder');
  });

  it('hostile or garbled names parse to undefined', () => {
    for (const bad of [
      '',
      '42-3.ts',
      '42-3..ts',
      '42.1080p-2000-1.ts',
      '42-3.1080p-2000.ts',
      '42-3.1080p-0-10.ts',
      '42-3.1080p-2000-0.ts',
      '42-3.1080p-2000-10.1080p-2000-10.ts',
      '42-3.rounds-2000-10.ts',
      '42-3.1080p-2000-10.m3u8',
      '42-3.../../x-2000-10.ts',
      '42-3.1080p-2000-10/../x.ts',
      '-1-3.1080p-2000-10.ts',
      '42-3.1080p-2000-10 .ts',
      '1-2000-0.ts',
      `42-3.${'a'.repeat(65)}-2000-10.ts`,
      `42-3.${Array.from({ length: 200 }, (_, i) => `r${i}-2000-10`).join('.')}.ts`,
    ]) {
      assert.equal(parseRoundFileName(bad), undefined, bad);
    }
    assert.equal(parseRecordingRoundKey(`recordings/not-a-rec/rounds/${roundFileName(ROUND)}`), undefined);
    assert.equal(parseRecordingRoundKey(`recordings/${REC}/1080p/${roundFileName(ROUND)}`), undefined);
  });

  it('refuses to build names that could not be parsed back', () => {
    assert.throws(() => roundFileName({ ...ROUND, members: [] }), RangeError);
    assert.throws(() => roundFileName({ ...ROUND, members: [{ rendition: 'rounds', durationMs: 1, bytes: 1 }] }), RangeError);
    assert.throws(() => roundFileName({ ...ROUND, members: [{ rendition: 'a.b', durationMs: 1, bytes: 1 }] }), RangeError);
    assert.throws(() => roundFileName({ ...ROUND, members: [ROUND.members[0]!, ROUND.members[0]!] }), RangeError);
    assert.throws(() => roundFileName({ ...ROUND, members: [{ rendition: 'x', durationMs: 1, bytes: 0 }] }), RangeError);
    assert.throws(() => roundFileName({ ...ROUND, seq: -1 }), RangeError);
    assert.throws(() => roundFileName({ ...ROUND, members: Array.from({ length: 20 }, (_, i) => ({ rendition: `${'r'.repeat(60)}${i}`, durationMs: 2000, bytes: 1 })) }), /too long/);
  });

  it('reserves "rounds" as a rendition name', () => {
    assert.equal(isRenditionName('rounds'), false);
    assert.equal(isRenditionName('720p'), true);
    assert.equal(isRenditionName('a.b'), false);
  });
});
