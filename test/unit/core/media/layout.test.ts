/** The object-store layout: the keys every writer, reader and sweeper agrees on, byte for byte. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isLiveMediaPlaylistKey,
  LIVE_PREFIX,
  liveMasterPlaylistKey,
  liveMediaPlaylistKey,
  liveStreamIdOf,
  manifestKey,
  MEDIA_PREFIXES,
  mp4Key,
  parseLiveKey,
  parseRecordingSegmentKey,
  RECORDINGS_PREFIX,
  recordingMp4Url,
  recordingPlaybackUrl,
  renditionsFileKey,
  resolvePlaylistUri,
  segmentKey,
  segmentUri,
  sequenceOfKey,
  vodMasterPlaylistKey,
  vodMediaPlaylistKey,
} from '../../../../core/media/layout';

const ST = 'st_abcdefghijklmnopqrst';
const REC = 'rec_abcdefghijklmnopqrst';

describe('media layout', () => {
  it('puts live output under live/<streamId>/', () => {
    assert.deepEqual(MEDIA_PREFIXES, ['live/', 'recordings/']);
    assert.equal(LIVE_PREFIX, 'live/');
    assert.equal(RECORDINGS_PREFIX, 'recordings/');
    assert.equal(liveMasterPlaylistKey(ST), `live/${ST}/master.m3u8`);
    assert.equal(liveMediaPlaylistKey(ST, '720p'), `live/${ST}/720p/index.m3u8`);
  });

  it('puts recording outputs under recordings/<recordingId>/', () => {
    assert.equal(vodMasterPlaylistKey(REC), `recordings/${REC}/master.m3u8`);
    assert.equal(vodMediaPlaylistKey(REC, 'audio'), `recordings/${REC}/audio/index.m3u8`);
    assert.equal(manifestKey(REC), `recordings/${REC}/manifest.json`);
    assert.equal(renditionsFileKey(REC), `recordings/${REC}/renditions.json`);
    assert.equal(mp4Key(REC), `recordings/${REC}/recording.mp4`);
    assert.equal(recordingPlaybackUrl('https://cdn.example//', REC), `https://cdn.example/recordings/${REC}/master.m3u8`);
    assert.equal(recordingMp4Url('https://cdn.example', REC), `https://cdn.example/recordings/${REC}/recording.mp4`);
  });

  it('stores a recorded segment under its recording and names it from the live playlist', () => {
    const ref = { sequence: 7, duration: 2.0004, discontinuitySequence: 1 };
    assert.equal(segmentKey(ST, '720p', ref), `live/${ST}/720p/7-2000-1.ts`);
    assert.equal(segmentKey(ST, '720p', ref, REC), `recordings/${REC}/720p/7-2000-1.ts`);
    assert.equal(segmentUri('720p', ref), '7-2000-1.ts');
    const uri = segmentUri('720p', ref, REC);
    assert.equal(resolvePlaylistUri(`live/${ST}/720p/`, uri), segmentKey(ST, '720p', ref, REC));
  });

  it('reads sequence numbers back from keys, old names included', () => {
    assert.equal(sequenceOfKey(`live/${ST}/720p/`, `live/${ST}/720p/12-2000-0.ts`), 12);
    assert.equal(sequenceOfKey(`live/${ST}/720p/`, `live/${ST}/720p/13.ts`), 13);
    assert.equal(sequenceOfKey(`live/${ST}/720p/`, `live/${ST}/720p/index.m3u8`), undefined);
    assert.equal(sequenceOfKey(`live/${ST}/720p/`, `live/${ST}/360p/1.ts`), undefined);
  });

  it('takes keys apart', () => {
    assert.deepEqual(parseLiveKey(`live/${ST}/720p/index.m3u8`), { streamId: ST, rendition: '720p', file: 'index.m3u8' });
    assert.deepEqual(parseLiveKey(`live/${ST}/master.m3u8`), { streamId: ST, file: 'master.m3u8' });
    assert.equal(parseLiveKey(`recordings/${REC}/master.m3u8`), undefined);
    assert.equal(liveStreamIdOf(`live/${ST}/a/b/c`), ST);
    assert.equal(liveStreamIdOf('live/'), undefined);
    assert.ok(isLiveMediaPlaylistKey(`live/${ST}/720p/index.m3u8`));
    assert.ok(!isLiveMediaPlaylistKey(`live/${ST}/index.m3u8`));
    assert.ok(!isLiveMediaPlaylistKey(`live/${ST}/720p/x/index.m3u8`));
    assert.ok(!isLiveMediaPlaylistKey(`live/${ST}/720p/1-2000-0.ts`));
    assert.deepEqual(parseRecordingSegmentKey(`recordings/${REC}/720p/3-1999-2.ts`), { recordingId: REC, rendition: '720p', file: '3-1999-2.ts', seq: 3, durationMs: 1999, disc: 2 });
    assert.equal(parseRecordingSegmentKey(`live/${ST}/720p/3-1999-2.ts`), undefined);
  });

  it('resolves only relative playlist URIs', () => {
    assert.equal(resolvePlaylistUri('live/s/r/', './a/../b.ts'), 'live/s/r/b.ts');
    assert.equal(resolvePlaylistUri('live/s/r/', 'https://cdn.example/x.ts'), undefined);
    assert.equal(resolvePlaylistUri('live/s/r/', '/x.ts'), undefined);
  });
});
