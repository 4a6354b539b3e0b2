/**
 * A passthrough session may plan from the FLV tags it buffered instead of running ffprobe
 * (ProbeBuffer.measuredVideo): on real encoder output its keyframe interval, bitrate and frame rate must
 * be what ffprobe measures of the same bytes, or the passthrough verdict would change with the route.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ProbeBuffer } from '../../containers/ingest/src/session/probe-buffer';
import { probeSource } from '../../containers/ingest/src/transcoder/source-probe';

const run = promisify(execFile);
/** The FLV file header (9 bytes) and the first previous-tag-size (4): node-media-server sends tags after it. */
const FLV_HEADER_BYTES = 13;

const SOURCES = [
  { name: '30 fps, keyframes every 2 s, B-frames', fps: 30, gop: 60, args: ['-bf', '2'] },
  { name: '25 fps, keyframes every 1 s, no B-frames', fps: 25, gop: 25, args: ['-bf', '0'] },
  { name: '30 fps, keyframes every 4 s, 2.5 Mbps', fps: 30, gop: 120, args: ['-b:v', '2500k'] },
];

describe('the buffered FLV tags measure the video as ffprobe does', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamplane-probe-buffer-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const source of SOURCES) {
    it(source.name, async () => {
      const file = join(dir, `${source.fps}-${source.gop}.flv`);
      await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=${source.fps}:duration=9`, '-f', 'lavfi', '-i', 'sine=duration=9',
        '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', String(source.gop), '-keyint_min', String(source.gop), '-sc_threshold', '0', ...source.args, '-c:a', 'aac', '-f', 'flv', file]);
      const flv = await readFile(file);
      const buffer = new ProbeBuffer({ maxMediaMs: 60_000, maxBytes: 1 << 26 });
      buffer.add(flv.subarray(0, FLV_HEADER_BYTES));
      buffer.add(flv.subarray(FLV_HEADER_BYTES));

      const measured = buffer.measuredVideo();
      const probed = (await probeSource(flv)).video;
      assert.ok(measured, 'the tags measure the video');
      assert.ok(probed, 'ffprobe finds the video');
      assert.equal(measured.keyframeIntervalSeconds, probed.keyframeIntervalSeconds);
      // ffprobe windows the GOPs by presentation time, the tags by decode time: B-frames may move one frame across.
      assert.ok(Math.abs(measured.bitrateKbps - (probed.bitrateKbps ?? Number.NaN)) <= 1, `bitrate ${measured.bitrateKbps} vs ffprobe ${probed.bitrateKbps} kbps`);
      assert.ok(measured.fps !== undefined && Math.abs(measured.fps - source.fps) / source.fps < 0.02, `fps ${measured.fps}`);
    });
  }
});
