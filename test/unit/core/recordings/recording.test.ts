/**
 * The pure side of recordings: ids, segment names, and the VOD plan rebuilt from a bare listing — what a
 * viewer of the recording gets depends only on this, so ordering, discontinuities, alignment across
 * renditions and durations are pinned here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidIdError } from '../../../../core/errors';
import { parseMediaPlaylist, writeMasterPlaylist, writeMediaPlaylist } from '../../../../core/hls/playlist';
import { parseRecordingSegmentKey, parseSegmentFileName, segmentFileName } from '../../../../core/media/layout';
import { buildManifest } from '../../../../core/recordings/manifest';
import { type Recording, recordingIdFor } from '../../../../core/recordings/recording';
import { parseRenditionsFile } from '../../../../core/recordings/renditions-file';
import { recordingsDueForDeletion } from '../../../../core/recordings/retention';
import { toRecordingView } from '../../../../core/recordings/view';
import { FALLBACK_CODECS, planVod, planVodMaster } from '../../../../core/recordings/vod-plan';

const REC = 'rec_abcdefghijklmnopqrst';
const OTHER = 'rec_zzzzzzzzzzzzzzzzzzzz';

function seg(rendition: string, seq: number, durationMs = 2000, disc = 0, size = 1000, rec = REC) {
  return { key: `recordings/${rec}/${rendition}/${segmentFileName({ seq, durationMs, disc })}`, size };
}

describe('recording ids and keys', () => {
  it('derives one recording id per session, deterministically', () => {
    assert.equal(recordingIdFor('ses_abcdefghijklmnopqrst'), REC);
    assert.equal(recordingIdFor('ses_abcdefghijklmnopqrst'), recordingIdFor('ses_abcdefghijklmnopqrst'));
    assert.throws(() => recordingIdFor('st_abcdefghijklmnopqrst'), InvalidIdError);
    assert.throws(() => recordingIdFor('ses_../../etc'), InvalidIdError);
  });

  it('writes and parses segment file names', () => {
    assert.equal(segmentFileName({ seq: 12, durationMs: 2002, disc: 3 }), '12-2002-3.ts');
    assert.deepEqual(parseSegmentFileName('12-2002-3.ts'), { seq: 12, durationMs: 2002, disc: 3 });
    for (const bad of ['12.ts', '12-2002.ts', '12-0-0.ts', '-1-2000-0.ts', '12-2000-0.ts.tmp', 'a-2000-0.ts', '12-2000-0.mp4', '']) {
      assert.equal(parseSegmentFileName(bad), undefined, bad);
    }
    assert.throws(() => segmentFileName({ seq: -1, durationMs: 2000, disc: 0 }), RangeError);
    assert.throws(() => segmentFileName({ seq: 0, durationMs: 0, disc: 0 }), RangeError);
    assert.throws(() => segmentFileName({ seq: 0, durationMs: 1.5, disc: 0 }), RangeError);
  });

  it('parses only segment keys of a well-formed recording folder', () => {
    assert.deepEqual(parseRecordingSegmentKey(`recordings/${REC}/720p/5-2000-1.ts`), { recordingId: REC, rendition: '720p', file: '5-2000-1.ts', seq: 5, durationMs: 2000, disc: 1 });
    for (const bad of [
      `recordings/${REC}/720p/index.m3u8`,
      `recordings/${REC}/master.m3u8`,
      `recordings/${REC}/5-2000-1.ts`,
      `recordings/${REC}/72 0p/5-2000-1.ts`,
      `recordings/rec_short/720p/5-2000-1.ts`,
      `live/st_x/720p/5-2000-1.ts`,
      `recordings/${REC}/720p/sub/5-2000-1.ts`,
    ]) {
      assert.equal(parseRecordingSegmentKey(bad), undefined, bad);
    }
  });
});

describe('planVod', () => {
  it('orders segments by sequence number, not by key order, and sums durations', () => {
    // Lexicographic listing puts 10 before 9: the plan must not.
    const plan = planVod([seg('720p', 10, 1000), seg('720p', 9, 2000), seg('720p', 8, 2500)]);

    const [r] = plan.renditions;
    assert.ok(r);
    assert.deepEqual(
      r.playlist.segments.map((s) => s.uri),
      ['8-2500-0.ts', '9-2000-0.ts', '10-1000-0.ts'],
    );
    assert.equal(r.playlist.mediaSequence, 8);
    assert.equal(plan.durationSeconds, 5.5);
    assert.equal(r.durationSeconds, 5.5);
    assert.equal(plan.segmentCount, 3);
    assert.equal(plan.bytes, 3000);
    assert.deepEqual(plan.gaps, []);
    assert.equal(r.playlist.targetDuration, 3);
  });

  it('writes a valid VOD playlist with ENDLIST', () => {
    const plan = planVod([seg('720p', 0), seg('720p', 1)]);
    const text = writeMediaPlaylist((plan.renditions[0] as NonNullable<(typeof plan.renditions)[0]>).playlist);
    const parsed = parseMediaPlaylist(text);
    assert.equal(parsed.playlistType, 'VOD');
    assert.equal(parsed.endList, true);
    assert.equal(parsed.segments.length, 2);
    assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD/);
  });

  it('marks a discontinuity where the discontinuity number changes or sequence numbers jump', () => {
    const plan = planVod([seg('a', 0, 2000, 0), seg('a', 1, 2000, 0), seg('a', 2, 1500, 1), seg('a', 3, 2000, 1), seg('a', 6, 2000, 1), seg('a', 7, 2000, 2)]);

    const segments = plan.renditions[0]?.playlist.segments ?? [];
    assert.deepEqual(
      segments.map((s) => s.discontinuity === true),
      [false, false, true, false, true, true],
    );
    assert.deepEqual(plan.gaps, [
      { atSeconds: 4, afterSequence: 1, kind: 'discontinuity' },
      { atSeconds: 7.5, afterSequence: 3, kind: 'missing', missingSegments: 2 },
      { atSeconds: 9.5, afterSequence: 6, kind: 'discontinuity' },
    ]);
    // A hole lost everywhere is not part of the timeline.
    assert.equal(plan.durationSeconds, 11.5);
    assert.equal(plan.timelineSegments, 6);
  });

  it('starts the discontinuity numbering at the first segment’s own number', () => {
    const plan = planVod([seg('a', 40, 2000, 3), seg('a', 41, 2000, 4)]);
    const playlist = plan.renditions[0]?.playlist;
    assert.equal(playlist?.discontinuitySequence, 3);
    assert.equal(playlist?.segments[0]?.discontinuity, undefined);
    assert.equal(playlist?.segments[1]?.discontinuity, true);
  });

  it('keeps renditions aligned: a segment one rendition lacks becomes an EXT-X-GAP there', () => {
    const plan = planVod([
      seg('720p', 0, 2000),
      seg('720p', 1, 2000),
      seg('720p', 2, 2000),
      seg('360p', 0, 2010),
      seg('360p', 2, 1990),
      seg('360p', 3, 2000),
    ]);

    assert.deepEqual(
      plan.renditions.map((r) => r.name),
      ['360p', '720p'],
    );
    for (const r of plan.renditions) {
      assert.equal(r.playlist.mediaSequence, 0, r.name);
      assert.equal(r.playlist.segments.length, 4, r.name);
    }
    const low = plan.renditions[0]?.playlist.segments ?? [];
    const high = plan.renditions[1]?.playlist.segments ?? [];
    assert.deepEqual(
      low.map((s) => [s.uri, s.gap === true]),
      [
        ['0-2010-0.ts', false],
        ['1-2000-0.ts', true],
        ['2-1990-0.ts', false],
        ['3-2000-0.ts', false],
      ],
    );
    assert.deepEqual(
      high.map((s) => [s.uri, s.gap === true]),
      [
        ['0-2000-0.ts', false],
        ['1-2000-0.ts', false],
        ['2-2000-0.ts', false],
        ['3-2000-0.ts', true],
      ],
    );
    // A gap borrows its duration from a rendition that has the segment, so timelines agree.
    assert.equal(low[1]?.duration, 2);
    assert.equal(plan.renditions[0]?.gapSegments, 1);
    assert.equal(plan.renditions[0]?.segments, 3);
    assert.equal(plan.segmentCount, 6);
    assert.deepEqual(plan.gaps, []);
    // Every written playlist parses and carries the gap tag where expected.
    const text = writeMediaPlaylist(plan.renditions[0]!.playlist);
    assert.equal(parseMediaPlaylist(text).segments.filter((s) => s.gap).length, 1);
  });

  it('ignores garbage, outputs of a previous finalization and other recordings', () => {
    const plan = planVod(
      [
        seg('720p', 0),
        { key: `recordings/${REC}/720p/index.m3u8`, size: 300 },
        { key: `recordings/${REC}/master.m3u8`, size: 300 },
        { key: `recordings/${REC}/manifest.json`, size: 300 },
        { key: `recordings/${REC}/renditions.json`, size: 300 },
        { key: `recordings/${REC}/recording.mp4`, size: 3000 },
        { key: `recordings/${REC}/720p/.tmp-123`, size: 5 },
        { key: `recordings/${REC}/720p/0.ts`, size: 5 },
        { key: `recordings/${REC}/720p/1-0-0.ts`, size: 5 },
        { key: `recordings/${REC}/720p/x-2000-0.ts`, size: 5 },
        seg('720p', 1, 2000, 0, 1000, OTHER),
      ],
      { recordingId: REC },
    );
    assert.equal(plan.segmentCount, 1);
    assert.equal(plan.renditions.length, 1);
    assert.equal(plan.durationSeconds, 2);
  });

  it('plans nothing from nothing', () => {
    const plan = planVod([]);
    assert.deepEqual(plan, { renditions: [], gaps: [], durationSeconds: 0, bytes: 0, segmentCount: 0, timelineSegments: 0 });
  });

  it('keeps one object per sequence number when a number was written twice', () => {
    const plan = planVod([seg('a', 0, 2000, 0, 500), seg('a', 0, 2100, 0, 900), seg('a', 1)]);
    assert.deepEqual(
      plan.renditions[0]?.playlist.segments.map((s) => s.uri),
      ['0-2100-0.ts', '1-2000-0.ts'],
    );
  });
});

describe('VOD master and manifest', () => {
  const infos = parseRenditionsFile(
    JSON.stringify([
      { name: '720p', bandwidth: 3_000_000, codecs: 'avc1.64001f,mp4a.40.2', width: 1280, height: 720, fps: 30 },
      { name: '360p', bandwidth: 900_000, codecs: 'avc1.42c01e,mp4a.40.2', width: 640, height: 360, fps: 30 },
      { name: '1080p', bandwidth: 6_000_000, codecs: 'avc1.640028,mp4a.40.2', width: 1920, height: 1080 },
    ]),
  );

  it('lists renditions in the plan’s order, only those with media', () => {
    const plan = planVod([seg('360p', 0), seg('720p', 0)]);
    const { master, warnings } = planVodMaster(plan, infos);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      master.variants.map((v) => v.uri),
      ['720p/index.m3u8', '360p/index.m3u8'],
    );
    assert.deepEqual(master.variants[0]?.resolution, { width: 1280, height: 720 });
    assert.match(writeMasterPlaylist(master), /BANDWIDTH=3000000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000/);
  });

  it('still plays without a rendition plan: measured bandwidth, guessed codecs, a warning', () => {
    const plan = planVod([seg('low', 0, 2000, 0, 100_000), seg('high', 0, 2000, 0, 500_000)]);
    const { master, warnings } = planVodMaster(plan, undefined);
    assert.deepEqual(
      master.variants.map((v) => [v.uri, v.bandwidth, v.codecs]),
      [
        ['high/index.m3u8', 2_000_000, FALLBACK_CODECS],
        ['low/index.m3u8', 400_000, FALLBACK_CODECS],
      ],
    );
    assert.equal(warnings.length, 2);
  });

  it('refuses a malformed renditions.json rather than writing a broken master', () => {
    assert.equal(parseRenditionsFile('not json'), undefined);
    assert.equal(parseRenditionsFile(JSON.stringify([{ name: '../x', bandwidth: 1, codecs: 'a' }])), undefined);
    assert.equal(parseRenditionsFile(JSON.stringify([{ name: 'a', bandwidth: 1, codecs: 'a"\n#EXT' }])), undefined);
    assert.equal(parseRenditionsFile(undefined), undefined);
  });

  it('summarizes the plan in the manifest, deterministically', () => {
    const plan = planVod([seg('720p', 0, 2000, 0, 1000), seg('720p', 1, 2000, 1, 1000), seg('360p', 0, 2000, 0, 400)]);
    const ids = { recordingId: REC, streamId: 'st_abcdefghijklmnopqrst', sessionId: 'ses_abcdefghijklmnopqrst' };
    const manifest = buildManifest(ids, plan, infos);
    assert.deepEqual(manifest, {
      ...ids,
      durationSeconds: 4,
      renditions: [
        { name: '360p', segments: 1, gapSegments: 1, bytes: 400, durationSeconds: 2, bandwidth: 900_000, codecs: 'avc1.42c01e,mp4a.40.2', width: 640, height: 360 },
        { name: '720p', segments: 2, gapSegments: 0, bytes: 2000, durationSeconds: 4, bandwidth: 3_000_000, codecs: 'avc1.64001f,mp4a.40.2', width: 1280, height: 720 },
      ],
      bytes: 2400,
      segmentCount: 3,
      firstSequence: 0,
      lastSequence: 1,
      gaps: [{ atSeconds: 2, afterSequence: 0, kind: 'discontinuity' }],
    });
    assert.equal(JSON.stringify(buildManifest(ids, planVod([seg('720p', 0, 2000, 0, 1000), seg('720p', 1, 2000, 1, 1000), seg('360p', 0, 2000, 0, 400)]), infos)), JSON.stringify(manifest));
  });
});

describe('retention and views', () => {
  const base: Recording = {
    id: REC,
    streamId: 'st_abcdefghijklmnopqrst',
    sessionId: 'ses_abcdefghijklmnopqrst',
    status: 'ready',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T01:00:00.000Z',
    durationSeconds: 20,
    version: 3,
  };

  it('deletes only settled recordings past their (stream or global) retention', () => {
    const now = new Date('2025-01-08T00:00:00.000Z');
    const other = { ...base, id: OTHER, streamId: 'st_bbbbbbbbbbbbbbbbbbbb' };
    const recording = { ...base, id: 'rec_cccccccccccccccccccc', status: 'recording' as const };
    const pending = { ...base, id: 'rec_dddddddddddddddddddd', announce: { token: 't', since: base.updatedAt } };
    assert.deepEqual(
      recordingsDueForDeletion(now, [base, other, recording, pending], { retentionDays: 7 }).map((r) => r.id),
      [REC, OTHER],
    );
    assert.deepEqual(recordingsDueForDeletion(now, [base, other], { retentionDays: 8 }), []);
    // A delete that was interrupted is finished whatever the age.
    assert.deepEqual(recordingsDueForDeletion(now, [base, { ...other, deleting: true }], { retentionDays: 8 }).map((r) => r.id), [OTHER]);
    assert.deepEqual(recordingsDueForDeletion(now, [base, other], {}), []);
    assert.deepEqual(
      recordingsDueForDeletion(now, [base, other], { retentionDays: 30, streamRetentionDays: (id) => (id === other.streamId ? 1 : undefined) }).map((r) => r.id),
      [OTHER],
    );
    // A stream's 0 keeps its recordings even under a global retention.
    assert.deepEqual(
      recordingsDueForDeletion(now, [base, other], { retentionDays: 1, streamRetentionDays: (id) => (id === other.streamId ? 0 : undefined) }).map((r) => r.id),
      [REC],
    );
  });

  it('shows duration only when ready, the MP4 URL only when exported', () => {
    const ready = toRecordingView({ ...base, mp4: { status: 'ready', requestedAt: base.updatedAt, updatedAt: base.updatedAt, bytes: 10 } }, 'https://cdn.example/');
    assert.equal(ready.playback.hls, `https://cdn.example/recordings/${REC}/master.m3u8`);
    assert.deepEqual(ready.mp4, { status: 'ready', url: `https://cdn.example/recordings/${REC}/recording.mp4`, bytes: 10 });
    assert.equal(ready.durationSeconds, 20);
    const live = toRecordingView({ ...base, status: 'recording', mp4: { status: 'pending', requestedAt: base.updatedAt, updatedAt: base.updatedAt } }, 'https://cdn.example');
    assert.equal(live.durationSeconds, null);
    assert.deepEqual(live.mp4, { status: 'pending' });
    const failed = toRecordingView({ ...base, status: 'failed', failure: { reason: 'no media', retryable: false } }, 'https://cdn.example');
    assert.equal(failed.failureReason, 'no media');
  });
});
