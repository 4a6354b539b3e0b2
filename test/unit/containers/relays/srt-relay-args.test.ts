/** The SRT relay's ffmpeg (golden): FLV in on stdin, copied, MPEG-TS out on stdout; nothing about the target on the line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { srtRelayFfmpegArgs } from '../../../../containers/ingest/src/relays/srt-relay-attempt';

describe('SRT relay command line', () => {
  it('remuxes without re-encoding and names only pipes', () => {
    assert.deepEqual(srtRelayFfmpegArgs(), [
      '-hide_banner', '-loglevel', 'error', '-analyzeduration', '1000000', '-f', 'flv', '-i', 'pipe:0',
      '-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-f', 'mpegts', '-flush_packets', '1', 'pipe:1',
    ]);
  });
});
