/** The FLV declaration reader never throws or reads past a buffer on malformed tags; it declares nothing instead. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlvDeclaration } from '../../../../../containers/ingest/src/rtmp/flv-metadata';

function tag(type: number, data: Buffer, declaredSize = data.length): Buffer {
  const header = Buffer.alloc(11);
  header[0] = type;
  header.writeUIntBE(declaredSize, 1, 3);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(11 + data.length);
  return Buffer.concat([header, data, size]);
}

const amfString = (s: string) => Buffer.concat([Buffer.from([0x02, s.length >> 8, s.length & 0xff]), Buffer.from(s, 'latin1')]);
const amfNumber = (n: number) => {
  const b = Buffer.alloc(9);
  b[0] = 0;
  b.writeDoubleBE(n, 1);
  return b;
};
const key = (s: string) => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s, 'latin1')]);

function metadata(entries: Record<string, number>): Buffer {
  const body = Object.entries(entries).map(([k, v]) => Buffer.concat([key(k), amfNumber(v)]));
  return tag(18, Buffer.concat([amfString('onMetaData'), Buffer.from([0x08, 0, 0, 0, body.length]), ...body, Buffer.from([0, 0, 9])]));
}
const avcConfig = tag(9, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1]));

describe('FlvDeclaration', () => {
  it('reads size, rate and data rate from onMetaData and profile and level from the AVC configuration', () => {
    const d = new FlvDeclaration();
    d.add(Buffer.concat([metadata({ width: 1280, height: 720, framerate: 29.97, videodatarate: 2441.40625, videocodecid: 7 }), avcConfig]));
    assert.deepEqual(d.sourceInfo(), { video: { codec: 'h264', profile: 'High', level: 31, width: 1280, height: 720, fps: 29.97, bitrateKbps: 2500 } });
  });

  it('waits for the AAC configuration when the metadata announces audio', () => {
    const d = new FlvDeclaration();
    d.add(Buffer.concat([metadata({ width: 640, height: 360, framerate: 30, audiocodecid: 10 }), avcConfig]));
    assert.equal(d.sourceInfo(), undefined);
    d.add(tag(8, Buffer.from([0xaf, 0, 0x11, 0x90]))); // AAC LC, 48 kHz, stereo
    assert.deepEqual(d.sourceInfo()?.audio, { codec: 'aac', sampleRate: 48_000, channels: 2, profile: 'LC' });
  });

  it('declares nothing without a frame rate, for enhanced RTMP video, or from cut and garbled tags', () => {
    const noRate = new FlvDeclaration();
    noRate.add(Buffer.concat([metadata({ width: 640, height: 360 }), avcConfig]));
    assert.equal(noRate.sourceInfo(), undefined);

    const hevc = new FlvDeclaration();
    hevc.add(Buffer.concat([metadata({ width: 640, height: 360, framerate: 30 }), tag(9, Buffer.from([0x90, 0x68, 0x76, 0x63, 0x31]))]));
    assert.equal(hevc.sourceInfo(), undefined);

    const garbled = new FlvDeclaration();
    const whole = metadata({ width: 640, height: 360, framerate: 30 });
    assert.doesNotThrow(() => {
      garbled.add(whole.subarray(0, whole.length - 9)); // cut mid-tag: skipped
      garbled.add(tag(18, Buffer.from([0x02, 0xff, 0xff, 0x41]))); // a string longer than the tag
      garbled.add(tag(18, Buffer.concat([amfString('onMetaData'), Buffer.from([0x08, 0, 0, 0, 1]), key('width'), Buffer.from([0x42, 1, 2])]))); // unknown marker
      garbled.add(tag(9, Buffer.from([0x17, 0]))); // a sequence header too short to read
      garbled.add(tag(9, Buffer.from([0x17]), 60)); // declared longer than the buffer
    });
    assert.equal(garbled.sourceInfo(), undefined);
  });
});
