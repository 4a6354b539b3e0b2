import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { teeWithLowLatency } from '../../../../../containers/ingest/src/transcoder/ll-ffmpeg-args';

describe('teeWithLowLatency', () => {
  it('re-homes the segmenter into a tee next to a per-frame, flushed fragmented MP4', () => {
    const segment = ['-max_muxing_queue_size', '1024', '-f', 'segment', '-segment_time', '2', '-segment_format_options', 'avoid_negative_ts=disabled', '-segment_list', '/s/720p/segments.csv', '/s/720p/seg_%06d.ts'];
    assert.deepEqual(teeWithLowLatency(segment, '/s/720p/ll.mp4'), [
      '-max_muxing_queue_size', '1024',
      '-f', 'tee',
      '[f=segment:segment_time=2:segment_format_options=avoid_negative_ts\\=disabled:segment_list=/s/720p/segments.csv]/s/720p/seg_%06d.ts|[f=mp4:movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=1:flush_packets=1]/s/720p/ll.mp4',
    ]);
  });

  it('refuses what it cannot express', () => {
    assert.throws(() => teeWithLowLatency(['-f', 'mpegts', 'x.ts'], 'll.mp4'));
    assert.throws(() => teeWithLowLatency(['-f', 'segment', '-segment_time', '2', '/a|b/seg.ts'], 'll.mp4'));
  });
});
