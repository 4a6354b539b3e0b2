/** The hold in front of the transcoder: no video frame gets ahead of the audio, nothing is reordered. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VideoAudioHold } from '../../../../../containers/ingest/src/session/video-audio-hold';
import { inspectFlvTags } from '../../../../../containers/ingest/src/rtmp/flv-tap';
import { flvTag } from '../../../../support/flv-tag';

function tag(type: 8 | 9, timestampMs: number, options: { keyframe?: boolean; config?: boolean } = {}): Buffer {
  const data =
    type === 9
      ? Buffer.from([options.keyframe || options.config ? 0x17 : 0x27, options.config ? 0 : 1, 0, 0, 0])
      : Buffer.from([0xaf, options.config ? 0 : 1, 0]);
  return flvTag(type, timestampMs, data);
}

const FLV_HEADER = Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00]);

/** `v4021K a4032` for what came out. */
function names(buffers: Buffer[]): string {
  return buffers
    .flatMap((b) => (b.toString('latin1', 0, 3) === 'FLV' ? [{ name: 'FLV' }] : inspectFlvTags(b).map((t) => ({ name: `${t.type[0]}${t.timestampMs}${t.keyframe ? 'K' : ''}${t.config ? 'C' : ''}` }))))
    .map((t) => t.name)
    .join(' ');
}

describe('VideoAudioHold', () => {
  it('holds a video frame until audio of its time came, then lets everything through in order', () => {
    const hold = new VideoAudioHold({ audio: true });
    assert.equal(names(hold.push(FLV_HEADER)), 'FLV');
    assert.equal(names(hold.push(tag(8, 0, { config: true }))), 'a0C');
    assert.equal(names(hold.push(tag(9, 0, { config: true }))), 'v0C');
    assert.equal(names(hold.push(tag(9, 3988))), '');
    assert.equal(names(hold.push(tag(8, 3989))), 'v3988 a3989');
    assert.equal(names(hold.push(tag(8, 4010))), 'a4010');
    assert.equal(names(hold.push(tag(9, 4021, { keyframe: true }))), '', 'the keyframe waits for the audio');
    assert.ok(hold.heldBytes > 0);
    assert.equal(names(hold.push(tag(8, 4032))), 'v4021K a4032');
    assert.equal(hold.heldBytes, 0);
  });

  it('lets through only the prefix whose video the audio covers', () => {
    const hold = new VideoAudioHold({ audio: true });
    assert.equal(names(hold.push(tag(9, 100, { keyframe: true }))), '');
    assert.equal(names(hold.push(tag(9, 133))), '');
    // Audio at 120 covers the frame at 100 but not the one at 133, which stays held with all after it.
    assert.equal(names(hold.push(tag(8, 120))), '');
    assert.equal(names(hold.push(tag(8, 141))), 'v100K v133 a120 a141');
  });

  it('drops what it holds when the feed ends (the transcoder never gets a lone frame without audio)', () => {
    const hold = new VideoAudioHold({ audio: true });
    hold.push(tag(8, 3989));
    assert.equal(names(hold.push(tag(9, 4021, { keyframe: true }))), '');
    const dropped = hold.reset();
    assert.equal(dropped.videoFromMs, 4021);
    assert.ok(dropped.droppedBytes > 0);
    assert.equal(hold.heldBytes, 0);
    // After a reset (a fresh transcoder primed from the cached GOP) audio starts over.
    assert.equal(names(hold.push(tag(9, 3000, { keyframe: true }))), '');
    assert.equal(names(hold.push(tag(8, 3000))), 'v3000K a3000');
  });

  it('lets video go on once it is held `maxHoldMs` past the audio (a feed whose audio stopped)', () => {
    const hold = new VideoAudioHold({ audio: true, maxHoldMs: 100 });
    hold.push(tag(8, 0));
    assert.equal(names(hold.push(tag(9, 33, { keyframe: true }))), '');
    assert.equal(names(hold.push(tag(9, 66))), '');
    assert.equal(names(hold.push(tag(9, 133))), 'v33K v66 v133');
  });

  it('splits chunks holding several tags, and passes everything at once for a plan without audio', () => {
    const hold = new VideoAudioHold({ audio: true });
    assert.equal(names(hold.push(Buffer.concat([FLV_HEADER, tag(9, 0, { keyframe: true }), tag(8, 5), tag(9, 33)]))), 'FLV v0K a5');
    assert.equal(names(hold.push(tag(8, 40))), 'v33 a40');
    const off = new VideoAudioHold({ audio: false });
    const chunk = Buffer.concat([tag(9, 0, { keyframe: true })]);
    assert.deepEqual(off.push(chunk), [chunk]);
  });
});
