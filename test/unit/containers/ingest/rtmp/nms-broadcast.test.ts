/**
 * What the ingest's FLV taps get from node-media-server's broadcast, with the RTMP copy of every message
 * turned off (containers/ingest/src/rtmp/nms.ts): byte-exact FLV tags, the cached GOP replayed to a tap
 * attached mid-stream, and no RTMP copy built or cached.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { FlvTap } from '../../../../../containers/ingest/src/rtmp/flv-tap';
import '../../../../../containers/ingest/src/rtmp/nms';
import { flvTag } from '../../../../support/flv-tag';
import type { NmsBroadcast } from '../../../../../containers/ingest/src/rtmp/nms';

const require = createRequire(import.meta.url);
const BroadcastServer = require('node-media-server/src/server/broadcast_server.js') as new (path: string) => NmsBroadcast & {
  broadcastMessage(packet: unknown): void;
  rtmpGopCache: Set<Buffer> | null;
  flvGopCache: Set<Buffer> | null;
};
const AVPacket = require('node-media-server/src/core/avpacket.js') as new () => { codec_type: number; flags: number; dts: number; pts: number; size: number; data: Buffer };

/** A video packet as node-media-server's RTMP parser hands it over; flags 3 = keyframe, 4 = inter frame. */
function video(flags: number, dts: number, payload: Buffer) {
  const p = new AVPacket();
  Object.assign(p, { codec_type: 9, flags, dts, pts: dts, size: payload.length, data: payload });
  return p;
}

describe('node-media-server broadcast as the ingest runs it', () => {
  it('gives taps byte-exact FLV tags, replays the GOP to a late tap, and builds no RTMP copy', () => {
    const broadcast = new BroadcastServer('/live/test');
    const early: Buffer[] = [];
    new FlvTap('/live/test', broadcast, (b) => early.push(Buffer.from(b))).attach();
    const key = Buffer.from([0x17, 0x01, 0, 0, 0, 0xaa, 0xbb, 0xcc]);
    const inter = Buffer.from([0x27, 0x01, 0, 0, 0, 0xdd]);
    broadcast.broadcastMessage(video(3, 0x01000021, key));
    broadcast.broadcastMessage(video(4, 0x01000042, inter));

    const late: Buffer[] = [];
    new FlvTap('/live/test', broadcast, (b) => late.push(Buffer.from(b))).attach();

    const tags = [flvTag(9, 0x01000021, key), flvTag(9, 0x01000042, inter)];
    assert.deepEqual(early.slice(1), tags, 'after the FLV header, each message as one FLV tag');
    assert.equal(early[0]!.subarray(0, 3).toString('latin1'), 'FLV');
    assert.deepEqual(late.slice(1), tags, 'a tap attached mid-GOP starts from the keyframe');
    assert.equal(broadcast.flvGopCache?.size, 2);
    assert.ok([...(broadcast.rtmpGopCache ?? [])].every((b) => b.length === 0), 'the RTMP GOP cache holds no media');
  });
});
