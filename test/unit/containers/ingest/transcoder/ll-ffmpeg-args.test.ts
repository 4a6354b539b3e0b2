import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLadder } from '../../../../../core/transcode/ladder';
import { buildTranscodeArgs, X264_LOW_LATENCY_PARAMS, X264_PARAMS, X264_TOP_LOW_LATENCY_PARAMS, X264_TOP_PARAMS } from '../../../../../containers/ingest/src/transcoder/ffmpeg-args';
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

describe('buildTranscodeArgs in latencyMode low', () => {
  const source = {
    video: { codec: 'h264', profile: 'High', level: 31, width: 1280, height: 720, fps: 30, bitrateKbps: 2500, keyframeIntervalSeconds: 2 },
    audio: { codec: 'aac', profile: 'LC', sampleRate: 48_000, channels: 2, bitrateKbps: 128 },
  } as const;
  const io = { input: 'pipe:0', inputFormat: 'flv' as const, outputDir: '/scratch/s1/run-1' };
  const x264Params = (args: string[]) => args.flatMap((a, i) => (a === '-x264-params' ? [args[i + 1]] : []));

  it('encodes every rung without encoder delay (no mbtree lookahead, B-frames or frame threads), the copied rung untouched', () => {
    const plan = planLadder(source, {});
    const low = buildTranscodeArgs(plan, { ...io, lowLatency: true });
    const normal = buildTranscodeArgs(plan, io);
    const encoded = plan.renditions.filter((r) => r.kind === 'video' && !r.passthrough).length;
    assert.ok(encoded >= 2);
    assert.deepEqual(x264Params(low), Array(encoded).fill(X264_LOW_LATENCY_PARAMS));
    assert.deepEqual(x264Params(normal), Array(encoded).fill(X264_PARAMS));
    for (const setting of ['mbtree=0', 'rc-lookahead=0', 'bframes=0', 'sync-lookahead=0', 'sliced-threads=1']) assert.ok(X264_LOW_LATENCY_PARAMS.split(':').includes(setting), setting);
    // Everything else about the encode is the normal ladder's: only the x264 parameters and the muxer differ.
    const strip = (args: string[]) => args.slice(0, args.indexOf('-max_muxing_queue_size')).map((a) => (a === X264_LOW_LATENCY_PARAMS ? X264_PARAMS : a));
    assert.deepEqual(strip(low), strip(normal));
  });

  it('gives an encoded 1080p rung the top-rung detail settings in both modes, and nothing else of low mode changes', () => {
    const above = { ...source, video: { ...source.video, width: 1920, height: 1080, level: 40, bitrateKbps: 12_000 } };
    const plan = planLadder(above, {});
    assert.equal(plan.topRung, 'encode');
    const names = plan.renditions.filter((r) => r.kind === 'video').map((r) => r.name);
    assert.deepEqual(x264Params(buildTranscodeArgs(plan, io)), names.map((n) => (n === '1080p' ? X264_TOP_PARAMS : X264_PARAMS)));
    assert.deepEqual(x264Params(buildTranscodeArgs(plan, { ...io, lowLatency: true })), names.map((n) => (n === '1080p' ? X264_TOP_LOW_LATENCY_PARAMS : X264_LOW_LATENCY_PARAMS)));
    for (const top of [X264_TOP_PARAMS, X264_TOP_LOW_LATENCY_PARAMS]) {
      assert.ok(top.split(':').includes('ref=1'));
      assert.ok(top.split(':').includes('partitions=i8x8,i4x4'));
    }
    assert.deepEqual(X264_TOP_LOW_LATENCY_PARAMS.split(':').slice(0, 5), X264_LOW_LATENCY_PARAMS.split(':').slice(0, 5));
  });

  it('keeps normal mode\'s encoder lookahead synchronous (no buffered frames in a lookahead thread)', () => {
    assert.ok(X264_PARAMS.split(':').includes('sync-lookahead=0'));
    assert.ok(X264_PARAMS.split(':').includes('mbtree=1'));
  });
});
