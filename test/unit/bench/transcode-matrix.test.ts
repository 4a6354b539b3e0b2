/**
 * The transcode benchmark's source matrix: it covers every kind of source issue 16 names, each source's
 * expected ladder decision is the one the real planner makes for it, and the command line is checked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuTarget, MATRIX, parseBenchArgs, sourceArgs, BenchUsageError } from '../../../bench/transcode-matrix';
import { planLadder } from '../../../core/transcode/ladder';

describe('transcode bench matrix', () => {
  it('covers the seven kinds of source, with unique ids', () => {
    assert.deepEqual([...new Set(MATRIX.map((s) => s.issue))].sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(new Set(MATRIX.map((s) => s.id)).size, MATRIX.length);
    const heights = MATRIX.filter((s) => s.issue === 4).map((s) => s.video?.height);
    assert.deepEqual(heights, [1440, 2160]);
    assert.equal(MATRIX.find((s) => s.issue === 7)?.video, undefined);
  });

  it('expects the decision the ladder really makes for each source (as a probe would see it)', () => {
    for (const s of MATRIX) {
      const video = s.video
        ? {
            codec: 'h264', profile: 'High', width: s.video.width, height: s.video.height, fps: s.video.fps,
            // The probe reads the first seconds, keyframe-heavy: it sees up to ~20 % above the nominal rate.
            bitrateKbps: s.video.kbps * 1.2,
            keyframeIntervalSeconds: s.video.keyframeSeconds,
          }
        : undefined;
      const plan = planLadder({ ...(video ? { video } : {}), audio: { codec: 'aac', profile: 'LC', sampleRate: 48_000, channels: 2, bitrateKbps: s.audioKbps } });
      assert.equal(plan.topRung, s.expectTop, `${s.id}: ${plan.reason}`);
      assert.equal(s.target === 'audio', s.expectTop === 'none', s.id);
    }
  });

  it('applies the passthrough target to copied top rungs, the encode target to encoded ones, none to audio', () => {
    assert.equal(cpuTarget(MATRIX.find((s) => s.id === '1080p30-4.5M')!), 1.8);
    assert.equal(cpuTarget(MATRIX.find((s) => s.id === '2160p30-20M')!), 1.0);
    assert.equal(cpuTarget(MATRIX.find((s) => s.id === 'audio-only')!), undefined);
  });

  it('generates a source as an encoder sends it: CBR-ish H.264 with fixed keyframes, AAC, FLV', () => {
    const args = sourceArgs(MATRIX.find((s) => s.id === '1080p30-gop8')!, 10, '/tmp/x.flv');
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    assert.equal(after('-t'), '10');
    assert.equal(after('-b:v'), '4500k');
    assert.equal(after('-g'), '240');
    assert.equal(after('-keyint_min'), '240');
    assert.equal(after('-sc_threshold'), '0');
    assert.equal(args.at(-1), '/tmp/x.flv');
    const audioOnly = sourceArgs(MATRIX.find((s) => s.id === 'audio-only')!, 6, '/tmp/a.flv');
    assert.ok(!audioOnly.includes('libx264'));
    assert.equal(audioOnly.filter((a) => a === '-i').length, 1);
  });

  it('parses --sources (ids or issue numbers), --seconds, --repeat and --no-overhead', () => {
    const all = parseBenchArgs([]);
    assert.equal(all.sources.length, MATRIX.length);
    assert.deepEqual([all.seconds, all.repeat, all.overhead], [10, 2, true]);
    const some = parseBenchArgs(['--sources', '4,audio-only', '--seconds=6', '--repeat', '1', '--no-overhead']);
    assert.deepEqual(some.sources.map((s) => s.id), ['1440p30-12M', '2160p30-20M', 'audio-only']);
    assert.deepEqual([some.seconds, some.repeat, some.overhead], [6, 1, false]);
    assert.equal(parseBenchArgs([], { BENCH_REPEAT: '3' }).repeat, 3);
    assert.equal(all.out, '.bench/transcode.json');
    assert.equal(parseBenchArgs(['--out', '.bench/part.json']).out, '.bench/part.json');
  });

  it('refuses unknown sources and options and out-of-range numbers with a clear message', () => {
    assert.throws(() => parseBenchArgs(['--sources', '1080p25']), (e: unknown) => e instanceof BenchUsageError && /unknown source "1080p25"; known: 1080p30-4.5M/.test(e.message));
    assert.throws(() => parseBenchArgs(['--sources', '8']), BenchUsageError);
    assert.throws(() => parseBenchArgs(['--seconds', '2']), /--seconds must be a whole number from 4 to 60, got 2/);
    assert.throws(() => parseBenchArgs(['--repeat', 'x']), /--repeat must be/);
    assert.throws(() => parseBenchArgs(['--fast']), /unknown option --fast/);
    assert.throws(() => parseBenchArgs(['--seconds']), /--seconds needs a value/);
  });
});
