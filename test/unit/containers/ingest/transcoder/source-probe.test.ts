/**
 * Turning ffprobe's JSON for the first seconds of a publish into the facts the ladder decides on, and
 * never waiting forever on ffprobe. (Probing real FLV is in test/integration/transcoder.test.ts.)
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { probeSource, sourceInfoFromProbe, SourceProbeError, type ProbeProcess } from '../../../../../containers/ingest/src/transcoder/source-probe';

interface Packet {
  stream_index: number;
  pts_time: string;
  size: string;
  flags: string;
}

/** Video packets at `fps` for `seconds`, a keyframe every `gop` frames, B-frame style out-of-order pts. */
function videoPackets(options: { fps: number; seconds: number; gop: number; keySize?: number; size?: number; msRounding?: boolean }): Packet[] {
  const packets: Packet[] = [];
  const count = Math.round(options.fps * options.seconds);
  for (let i = 0; i < count; i++) {
    // Decode order differs from presentation order; the probe must sort.
    const frame = i % 3 === 1 ? i + 1 : i % 3 === 2 ? i - 1 : i;
    if (frame >= count) continue;
    const t = frame / options.fps;
    const key = frame % options.gop === 0;
    packets.push({
      stream_index: 0,
      pts_time: (options.msRounding ? Math.round(t * 1000) / 1000 : t).toFixed(6),
      size: String(key ? (options.keySize ?? 60_000) : (options.size ?? 15_000)),
      flags: key ? 'K_' : '__',
    });
  }
  return packets;
}

const videoStream = { index: 0, codec_type: 'video', codec_name: 'h264', profile: 'High', level: 40, width: 1920, height: 1080, r_frame_rate: '30/1', avg_frame_rate: '30/1', bit_rate: '4500000' };
const audioStream = { index: 1, codec_type: 'audio', codec_name: 'aac', profile: 'LC', sample_rate: '48000', channels: 2, r_frame_rate: '0/0', avg_frame_rate: '0/0', bit_rate: '128000' };

describe('sourceInfoFromProbe', () => {
  it('reads codecs, size, rate, and measures keyframe interval and bitrate from the packets', () => {
    const packets = videoPackets({ fps: 30, seconds: 4.5, gop: 60 });
    const info = sourceInfoFromProbe({ streams: [videoStream, audioStream], packets });

    assert.deepEqual(info.audio, { codec: 'aac', profile: 'LC', sampleRate: 48_000, channels: 2, bitrateKbps: 128 });
    const video = info.video!;
    assert.equal(video.codec, 'h264');
    assert.equal(video.profile, 'High');
    assert.equal(video.level, 40);
    assert.equal(video.width, 1920);
    assert.equal(video.height, 1080);
    assert.equal(video.fps, 30);
    assert.equal(video.keyframeIntervalSeconds, 2);
    // Over whole GOPs (0 s to 4 s): per GOP one 60 kB keyframe and 59 15 kB frames.
    assert.equal(video.bitrateKbps, Math.round(((60_000 + 59 * 15_000) * 8) / 2 / 1000));
  });

  it('reports the longest gap when keyframes are irregular', () => {
    const packets = [
      ...videoPackets({ fps: 30, seconds: 1, gop: 30 }),
      ...videoPackets({ fps: 30, seconds: 4, gop: 120 }).map((p) => ({ ...p, pts_time: (Number(p.pts_time) + 1).toFixed(6) })),
    ];
    const info = sourceInfoFromProbe({ streams: [videoStream], packets: [...packets, { stream_index: 0, pts_time: '5.000000', size: '60000', flags: 'K_' }] });
    assert.equal(info.video!.keyframeIntervalSeconds, 4);
  });

  it('counts a GOP still open at the end of the sample when it is already longer than any closed one', () => {
    const packets = videoPackets({ fps: 30, seconds: 3.5, gop: 30 }).filter((p) => Number(p.pts_time) < 1 || p.flags !== 'K_' || Number(p.pts_time) === 1);
    const info = sourceInfoFromProbe({ streams: [videoStream], packets });
    assert.ok(Math.abs(info.video!.keyframeIntervalSeconds! - 2.5) < 0.01, String(info.video!.keyframeIntervalSeconds));
  });

  it('leaves the keyframe interval unknown with fewer than two keyframes', () => {
    const info = sourceInfoFromProbe({ streams: [videoStream], packets: videoPackets({ fps: 30, seconds: 2.5, gop: 300 }) });
    assert.equal(info.video!.keyframeIntervalSeconds, undefined);
  });

  it('handles millisecond timestamps of 29.97 fps FLV', () => {
    const stream = { ...videoStream, r_frame_rate: '30000/1001', avg_frame_rate: '30000/1001' };
    const info = sourceInfoFromProbe({ streams: [stream], packets: videoPackets({ fps: 30000 / 1001, seconds: 4.1, gop: 60, msRounding: true }) });
    assert.equal(info.video!.fps, 29.97);
    assert.equal(info.video!.keyframeIntervalSeconds, 2.002);
  });

  it('trusts the packets over a declared frame rate they plainly contradict', () => {
    const stream = { ...videoStream, r_frame_rate: '1000/1', avg_frame_rate: '0/0' };
    const info = sourceInfoFromProbe({ streams: [stream], packets: videoPackets({ fps: 25, seconds: 3, gop: 50, msRounding: true }) });
    assert.equal(info.video!.fps, 25);
  });

  it('falls back to the declared bitrate on a sample under a second', () => {
    const info = sourceInfoFromProbe({ streams: [videoStream], packets: videoPackets({ fps: 30, seconds: 0.5, gop: 60 }) });
    assert.equal(info.video!.bitrateKbps, 4500);
    assert.equal(info.video!.keyframeIntervalSeconds, undefined);
  });

  it('describes an audio-only source, estimating its bitrate when none is declared', () => {
    const packets = Array.from({ length: 101 }, (_, i) => ({ stream_index: 0, pts_time: (i * 0.02).toFixed(6), size: '400', flags: 'K_' }));
    const info = sourceInfoFromProbe({ streams: [{ ...audioStream, index: 0, bit_rate: undefined }], packets });
    assert.equal(info.video, undefined);
    assert.deepEqual(info.audio, { codec: 'aac', profile: 'LC', sampleRate: 48_000, channels: 2, bitrateKbps: 160 });
  });

  it('refuses output without media or of the wrong shape', () => {
    assert.throws(() => sourceInfoFromProbe({ streams: [], packets: [] }), SourceProbeError);
    assert.throws(() => sourceInfoFromProbe({ streams: 'nope' }), SourceProbeError);
    assert.throws(() => sourceInfoFromProbe(null), SourceProbeError);
  });
});

describe('probeSource with a stuck ffprobe', () => {
  it('gives up at the timeout and kills ffprobe', async () => {
    const killed: string[] = [];
    const events = new EventEmitter();
    const fake = Object.assign(events, {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      kill(signal?: NodeJS.Signals) {
        killed.push(signal ?? 'SIGTERM');
        setImmediate(() => events.emit('close', null, signal ?? 'SIGTERM'));
        return true;
      },
    }) as unknown as ProbeProcess;

    await assert.rejects(probeSource(Buffer.from('FLV'), { spawn: () => fake, timeoutMs: 50 }), /no answer within 50 ms/);
    assert.deepEqual(killed, ['SIGKILL']);
  });

  it('reports a missing ffprobe as a probe error', async () => {
    await assert.rejects(probeSource(Buffer.from('FLV'), { ffprobePath: '/nonexistent/ffprobe' }), (err: unknown) => err instanceof SourceProbeError && /could not be run/.test(err.message));
  });
});
