/**
 * Golden command lines: the whole ffmpeg invocation for representative sources, so any change to what
 * ffmpeg is asked to do shows up in review as a diff of these lines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLadder, type SourceInfo } from '../../../../../core/transcode/ladder';
import { buildTranscodeArgs, segmentListPath } from '../../../../../containers/ingest/src/transcoder/ffmpeg-args';

const AAC: NonNullable<SourceInfo['audio']> = { codec: 'aac', profile: 'LC', sampleRate: 48_000, channels: 2, bitrateKbps: 128 };
const H264_1080P30: NonNullable<SourceInfo['video']> = { codec: 'h264', profile: 'High', level: 40, width: 1920, height: 1080, fps: 30, bitrateKbps: 4500, keyframeIntervalSeconds: 2 };
const IO = { input: 'pipe:0', inputFormat: 'flv' as const, outputDir: '/scratch/s1/run-1' };

function args(source: SourceInfo): string[] {
  return buildTranscodeArgs(planLadder(source, {}), IO);
}

describe('buildTranscodeArgs golden command lines', () => {
  it('1080p30 H.264 with 2 s keyframes: copies the top rung, encodes 720p/480p/360p cascaded, keyframes where the source has them', () => {
    assert.deepEqual(args({ video: H264_1080P30, audio: AAC }), [
      '-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:2', '-stats_period', '1', '-threads', '1', '-f', 'flv', '-i', 'pipe:0',
      '-filter_complex', '[0:v:0]zscale=w=1280:h=720:filter=bicubic:param_a=0:param_b=0.6,split=3[v720p][p0][p1];[p0]zscale=w=854:h=480:filter=bicubic:param_a=0:param_b=0.6[v480p];[p1]zscale=w=640:h=360:filter=bicubic:param_a=0:param_b=0.6[v360p]',
      '-map', '0:v:0',
      '-c:v', 'copy',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/1080p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/1080p/seg_%06d.ts',
      '-map', '[v720p]',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-level:v', '3.1', '-pix_fmt', 'yuv420p',
      '-crf', '21', '-maxrate', '2800k', '-bufsize', '4200k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'source',
      '-x264-params', 'mbtree=1:rc-lookahead=10:sync-lookahead=0:ref=2:partitions=i8x8,i4x4,p8x8,b8x8', '-enc_time_base:v', '-1',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/720p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/720p/seg_%06d.ts',
      '-map', '[v480p]',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-level:v', '3.1', '-pix_fmt', 'yuv420p',
      '-crf', '21', '-maxrate', '1200k', '-bufsize', '1800k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'source',
      '-x264-params', 'mbtree=1:rc-lookahead=10:sync-lookahead=0:ref=2:partitions=i8x8,i4x4,p8x8,b8x8', '-enc_time_base:v', '-1',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/480p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/480p/seg_%06d.ts',
      '-map', '[v360p]',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-level:v', '3.0', '-pix_fmt', 'yuv420p',
      '-crf', '21', '-maxrate', '700k', '-bufsize', '1050k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'source',
      '-x264-params', 'mbtree=1:rc-lookahead=10:sync-lookahead=0:ref=2:partitions=i8x8,i4x4,p8x8,b8x8', '-enc_time_base:v', '-1',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/360p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/360p/seg_%06d.ts',
    ]);
  });

  it('1080p30 with 4 s keyframes: encodes every rung (1080p with one reference frame and no 8x8 inter partitions), keyframes on segment boundaries', () => {
    assert.deepEqual(args({ video: { ...H264_1080P30, keyframeIntervalSeconds: 4 }, audio: AAC }), [
      '-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:2', '-stats_period', '1', '-f', 'flv', '-i', 'pipe:0',
      '-filter_complex', '[0:v:0]split=2[v1080p][p0];[p0]zscale=w=1280:h=720:filter=bicubic:param_a=0:param_b=0.6,split=3[v720p][p1][p2];[p1]zscale=w=854:h=480:filter=bicubic:param_a=0:param_b=0.6[v480p];[p2]zscale=w=640:h=360:filter=bicubic:param_a=0:param_b=0.6[v360p]',
      '-map', '[v1080p]',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-level:v', '4.0', '-pix_fmt', 'yuv420p',
      '-crf', '21', '-maxrate', '5000k', '-bufsize', '7500k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*2)',
      '-x264-params', 'mbtree=1:rc-lookahead=10:sync-lookahead=0:ref=1:partitions=i8x8,i4x4', '-enc_time_base:v', '-1',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/1080p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/1080p/seg_%06d.ts',
      '-map', '[v720p]',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-level:v', '3.1', '-pix_fmt', 'yuv420p',
      '-crf', '21', '-maxrate', '2800k', '-bufsize', '4200k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*2)',
      '-x264-params', 'mbtree=1:rc-lookahead=10:sync-lookahead=0:ref=2:partitions=i8x8,i4x4,p8x8,b8x8', '-enc_time_base:v', '-1',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/720p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/720p/seg_%06d.ts',
      '-map', '[v480p]',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-level:v', '3.1', '-pix_fmt', 'yuv420p',
      '-crf', '21', '-maxrate', '1200k', '-bufsize', '1800k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*2)',
      '-x264-params', 'mbtree=1:rc-lookahead=10:sync-lookahead=0:ref=2:partitions=i8x8,i4x4,p8x8,b8x8', '-enc_time_base:v', '-1',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/480p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/480p/seg_%06d.ts',
      '-map', '[v360p]',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-level:v', '3.0', '-pix_fmt', 'yuv420p',
      '-crf', '21', '-maxrate', '700k', '-bufsize', '1050k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*2)',
      '-x264-params', 'mbtree=1:rc-lookahead=10:sync-lookahead=0:ref=2:partitions=i8x8,i4x4,p8x8,b8x8', '-enc_time_base:v', '-1',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/360p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/360p/seg_%06d.ts',
    ]);
  });

  it('480p source: copies 480p, encodes 360p only', () => {
    assert.deepEqual(args({ video: { ...H264_1080P30, width: 854, height: 480, level: 30, bitrateKbps: 1500 }, audio: AAC }), [
      '-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:2', '-stats_period', '1', '-threads', '1', '-f', 'flv', '-i', 'pipe:0',
      '-filter_complex', '[0:v:0]zscale=w=640:h=360:filter=bicubic:param_a=0:param_b=0.6[v360p]',
      '-map', '0:v:0',
      '-c:v', 'copy',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/480p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/480p/seg_%06d.ts',
      '-map', '[v360p]',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-level:v', '3.0', '-pix_fmt', 'yuv420p',
      '-crf', '21', '-maxrate', '700k', '-bufsize', '1050k',
      '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-force_key_frames', 'source',
      '-x264-params', 'mbtree=1:rc-lookahead=10:sync-lookahead=0:ref=2:partitions=i8x8,i4x4,p8x8,b8x8', '-enc_time_base:v', '-1',
      '-fps_mode:v', 'passthrough',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/360p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/360p/seg_%06d.ts',
    ]);
  });

  it('audio-only source: one audio rendition, copied', () => {
    assert.deepEqual(args({ audio: AAC }), [
      '-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:2', '-stats_period', '1', '-f', 'flv', '-i', 'pipe:0',
      '-map', '0:a:0', '-c:a', 'copy',
      '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts',
      '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
      '-segment_list', '/scratch/s1/run-1/audio/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/audio/seg_%06d.ts',
    ]);
  });
});

describe('buildTranscodeArgs', () => {
  it('re-encodes audio that cannot be copied, once per rendition it is muxed into', () => {
    const a = args({ video: H264_1080P30, audio: { codec: 'mp3', sampleRate: 44_100, channels: 2, bitrateKbps: 128 } });
    const audio = ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2'].join(' ');
    assert.equal(a.join(' ').split(audio).length - 1, 4);
  });

  it('maps no audio for a source without it', () => {
    const a = args({ video: H264_1080P30 });
    assert.ok(!a.includes('0:a:0'));
    assert.equal(a.filter((x) => x === '-f').length, 5, 'the input format plus four segment outputs');
  });

  it('keeps ffmpeg off the terminal when it reads a file, and reads stdin as the input otherwise', () => {
    const plan = planLadder({ audio: AAC }, {});
    assert.ok(buildTranscodeArgs(plan, { input: '/media/source.flv', outputDir: '/o' }).includes('-nostdin'));
    assert.ok(!buildTranscodeArgs(plan, IO).includes('-nostdin'));
    assert.deepEqual(buildTranscodeArgs(plan, { input: '/media/source.flv', outputDir: '/o' }).slice(8, 11), ['-nostdin', '-i', '/media/source.flv']);
  });

  it('writes every rendition into its own folder under the output folder', () => {
    const plan = planLadder({ video: H264_1080P30, audio: AAC }, {});
    const a = buildTranscodeArgs(plan, IO);
    for (const r of plan.renditions) {
      assert.ok(a.includes(segmentListPath(IO.outputDir, r.name)), r.name);
      assert.ok(a.includes(`/scratch/s1/run-1/${r.name}/seg_%06d.ts`), r.name);
    }
  });

  it('scales each rung from the smallest picture already made that is at least 1.5x larger', () => {
    const plan = planLadder({ video: { ...H264_1080P30, keyframeIntervalSeconds: 4 } }, { rungs: [1080, 720, 540, 360, 240] });
    const a = buildTranscodeArgs(plan, IO);
    const bicubic = 'filter=bicubic:param_a=0:param_b=0.6';
    assert.deepEqual(a[a.indexOf('-filter_complex') + 1]!.split(';'), [
      `[0:v:0]split=3[v1080p][p0][p1]`,
      `[p0]zscale=w=1280:h=720:${bicubic}[v720p]`,
      `[p1]zscale=w=960:h=540:${bicubic},split=2[v540p][p2]`,
      `[p2]zscale=w=640:h=360:${bicubic},split=2[v360p][p3]`,
      `[p3]zscale=w=426:h=240:${bicubic}[v240p]`,
    ]);
  });

  it('a 60 fps source: 480p/360p drop every other frame (keeping the source keyframes) before their scaler, 2 s GOPs in their own frames', () => {
    const plan = planLadder({ video: { ...H264_1080P30, fps: 60, level: 42 } });
    const a = buildTranscodeArgs(plan, IO);
    const bicubic = 'filter=bicubic:param_a=0:param_b=0.6';
    const half = `select='max(key,max(isnan(prev_selected_n),gte(n-prev_selected_n,2)))'`;
    assert.deepEqual(a[a.indexOf('-filter_complex') + 1]!.split(';'), [
      `[0:v:0]zscale=w=1280:h=720:${bicubic},split=3[v720p][p0][p1]`,
      `[p0]${half},zscale=w=854:h=480:${bicubic}[v480p]`,
      `[p1]${half},zscale=w=640:h=360:${bicubic}[v360p]`,
    ]);
    const gopOf = (rung: string) => a[a.indexOf('-g', a.indexOf(`[v${rung}]`)) + 1];
    assert.deepEqual(['720p', '480p', '360p'].map(gopOf), ['120', '60', '60']);
  });

  it('decodes on one thread up to 1080p30 when the top rung is copied; every rung encoded or larger picture rates keep the decoder\'s own threads', () => {
    const decoderThreads = (video: typeof H264_1080P30) => {
      const a = buildTranscodeArgs(planLadder({ video, audio: AAC }), IO);
      const input = a.indexOf('-i');
      const i = a.indexOf('-threads');
      return i >= 0 && i < input ? a[i + 1] : 'auto';
    };
    assert.equal(decoderThreads(H264_1080P30), '1');
    assert.equal(decoderThreads({ ...H264_1080P30, fps: 29.97 }), '1');
    assert.equal(decoderThreads({ ...H264_1080P30, bitrateKbps: 10_000 }), 'auto', 'every rung encoded');
    assert.equal(decoderThreads({ ...H264_1080P30, keyframeIntervalSeconds: 8 }), 'auto', 'every rung encoded');
    assert.equal(decoderThreads({ ...H264_1080P30, width: 1280, height: 720, fps: 60, level: 32 }), '1');
    assert.equal(decoderThreads({ ...H264_1080P30, fps: 60, level: 42 }), 'auto');
    assert.equal(decoderThreads({ ...H264_1080P30, width: 2560, height: 1440, level: 50 }), 'auto');
    assert.equal(decoderThreads({ ...H264_1080P30, width: 3840, height: 2160, level: 51 }), 'auto');
  });

  it("feeds an encoded rung of the source's own size the decoded picture unscaled; any other size is scaled", () => {
    const graphOf = (video: typeof H264_1080P30) => {
      const a = buildTranscodeArgs(planLadder({ video: { ...video, keyframeIntervalSeconds: 4 } }), IO);
      return a[a.indexOf('-filter_complex') + 1]!.split(';')[0];
    };
    assert.equal(graphOf(H264_1080P30), '[0:v:0]split=2[v1080p][p0]');
    // 1440p: scaled down once to 1080p, and every lower rung reads that picture.
    assert.equal(graphOf({ ...H264_1080P30, width: 2560, height: 1440 }), '[0:v:0]zscale=w=1920:h=1080:filter=bicubic:param_a=0:param_b=0.6,split=2[v1080p][p0]');
    // An odd height is rounded to an even rung: that is a real scale.
    assert.equal(graphOf({ ...H264_1080P30, width: 1920, height: 1081 }), '[0:v:0]zscale=w=1918:h=1080:filter=bicubic:param_a=0:param_b=0.6,split=2[v1080p][p0]');
    const single = buildTranscodeArgs(planLadder({ video: { ...H264_1080P30, keyframeIntervalSeconds: 4 } }, { rungs: [1080] }), IO);
    assert.equal(single[single.indexOf('-filter_complex') + 1], '[0:v:0]null[v1080p]');
  });

  it('refuses rendition names that could leave the output folder', () => {
    const plan = planLadder({ audio: AAC }, {});
    plan.renditions[0]!.name = '../../etc';
    assert.throws(() => buildTranscodeArgs(plan, IO), /not a safe folder name/);
  });
});

describe('buildTranscodeArgs thumbnails', () => {
  const THUMB = { path: '/scratch/s1/run-1/thumbnail.jpg', intervalSeconds: 10 };
  const SEGMENTS_360P = [
    '-max_muxing_queue_size', '1024', '-avoid_negative_ts', 'disabled', '-f', 'segment', '-segment_time', '2', '-segment_time_delta', '0.0167', '-segment_format', 'mpegts',
    '-segment_format_options', 'avoid_negative_ts=disabled', '-reset_timestamps', '0',
    '-segment_list', '/scratch/s1/run-1/360p/segments.csv', '-segment_list_type', 'csv', '-segment_list_flags', '+live', '/scratch/s1/run-1/360p/seg_%06d.ts',
  ];
  const JPEG_OUTPUT = [
    '-map', '[vthumb]', '-c:v', 'mjpeg', '-strict', 'unofficial', '-q:v', '5', '-fps_mode:v', 'passthrough',
    '-f', 'image2', '-update', '1', '-atomic_writing', '1', '/scratch/s1/run-1/thumbnail.jpg',
  ];

  it('480p source: the thumbnail branches off the 360p picture the ladder scales anyway (one decode), keyframes only, every 10 s', () => {
    const a = buildTranscodeArgs(planLadder({ video: { ...H264_1080P30, width: 854, height: 480, level: 30, bitrateKbps: 1500 }, audio: AAC }, {}), { ...IO, thumbnail: THUMB });
    assert.deepEqual(a.slice(0, 16), [
      '-hide_banner', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:2', '-stats_period', '1', '-threads', '1', '-f', 'flv', '-i', 'pipe:0',
      '-filter_complex',
      "[0:v:0]zscale=w=640:h=360:filter=bicubic:param_a=0:param_b=0.6,split=2[v360p][p0];[p0]select='key*(isnan(prev_selected_t)+gte(t-prev_selected_t,10))',scale=w=-2:h=180,format=yuv420p[vthumb]",
    ]);
    assert.equal(a.filter((x) => x === '-i').length, 1, 'one input, one decode');
    assert.deepEqual(a.slice(-(SEGMENTS_360P.length + JPEG_OUTPUT.length)), [...SEGMENTS_360P, ...JPEG_OUTPUT]);
  });

  it('a passthrough-only ladder decodes keyframes only, for the thumbnail alone', () => {
    const plan = planLadder({ video: { ...H264_1080P30, width: 640, height: 360, level: 30, bitrateKbps: 800 }, audio: AAC }, { rungs: [360] });
    assert.ok(plan.renditions.every((r) => r.kind !== 'video' || r.passthrough), 'the plan copies its only video rung');
    const a = buildTranscodeArgs(plan, { ...IO, thumbnail: { ...THUMB, intervalSeconds: 5, height: 90 } });
    assert.deepEqual(a.slice(8, 17), [
      '-skip_frame', 'nokey', '-threads', '1', '-f', 'flv', '-i', 'pipe:0',
      '-filter_complex',
    ]);
    assert.equal(a[17], "[0:v:0]select='key*(isnan(prev_selected_t)+gte(t-prev_selected_t,5))',scale=w=-2:h=90,format=yuv420p[vthumb]");
    // One decoder, filter and JPEG encoder thread for one keyframe every few seconds (memory per stream).
    assert.deepEqual(a.slice(-(JPEG_OUTPUT.length + 4)), ['-filter_complex_threads', '1', '-threads', '1', ...JPEG_OUTPUT]);
  });

  it('an audio-only source gets no thumbnail output', () => {
    const a = buildTranscodeArgs(planLadder({ audio: AAC }, {}), { ...IO, thumbnail: THUMB });
    assert.ok(!a.includes('mjpeg') && !a.includes('-skip_frame'));
  });
});
