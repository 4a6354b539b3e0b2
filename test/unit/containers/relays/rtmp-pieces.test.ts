/** The relay's protocol pieces: AMF0 round trips, the chunk reader follows fmt 0–3 and chunk sizes, and the feed buffer drops instead of waiting. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { decodeAmf0, encodeAmf0, AmfError } from '../../../../containers/ingest/src/relays/amf0';
import { FeedBuffer } from '../../../../containers/ingest/src/relays/feed-buffer';
import { ChunkReader, writeMessage } from '../../../../containers/ingest/src/relays/rtmp-chunks';
import { findInode } from '../../../../containers/ingest/src/relays/loopback-peer';

describe('relay RTMP pieces', () => {
  it('round-trips AMF0 commands and refuses truncated ones', () => {
    const values = ['connect', 1, { app: 'live2', tcUrl: 'rtmp://h/live2', fpad: false, audioCodecs: 4071 }, null, undefined, [1, 'a']];
    assert.deepEqual(decodeAmf0(encodeAmf0(values)), values);
    assert.throws(() => decodeAmf0(encodeAmf0(['publish']).subarray(0, 4)), AmfError);
  });

  it('reads messages split over chunks and bytes, after a Set Chunk Size, and re-chunks them losslessly', () => {
    const setChunk = { csid: 2, timestamp: 0, type: 1, streamId: 0, payload: Buffer.from([0, 0, 0x10, 0]) };
    const big = { csid: 6, timestamp: 40, type: 9, streamId: 1, payload: Buffer.alloc(10_000, 7) };
    const later = { csid: 6, timestamp: 0x1000000, type: 9, streamId: 1, payload: Buffer.alloc(300, 1) };
    const bytes = Buffer.concat([writeMessage(setChunk, 128), writeMessage(big, 4096), writeMessage(later, 4096)]);
    const reader = new ChunkReader();
    const out = [];
    for (let i = 0; i < bytes.length; i += 333) out.push(...reader.push(bytes.subarray(i, i + 333)));
    assert.deepEqual(out, [setChunk, big, later]);
  });

  it('follows fmt 1, 2 and 3 headers (timestamp deltas, inherited length and type)', () => {
    // fmt 0 (ts 100, len 2, type 8), fmt 2 (delta 20), fmt 3 (delta repeats).
    const bytes = Buffer.from([0x04, 0, 0, 100, 0, 0, 2, 8, 1, 0, 0, 0, 0xaa, 0xbb, 0x84, 0, 0, 20, 0xcc, 0xdd, 0xc4, 0xee, 0xff]);
    const messages = new ChunkReader().push(bytes);
    assert.deepEqual(messages.map((m) => [m.timestamp, m.type, m.payload.toString('hex')]), [
      [100, 8, 'aabb'],
      [120, 8, 'ccdd'],
      [140, 8, 'eeff'],
    ]);
  });

  it('never waits on a slow output: past its bound it drops everything and reports it', () => {
    const output = new PassThrough({ highWaterMark: 16 });
    const overflows: string[] = [];
    const buffer = new FeedBuffer({ maxBytes: 1000, maxLagMs: 60_000, onOverflow: (reason) => overflows.push(reason) });
    buffer.attach(output);
    for (let i = 0; i < 20; i++) buffer.push(Buffer.alloc(100));
    assert.equal(overflows.length, 1);
    assert.match(overflows[0]!, /fell behind/);
    assert.equal(buffer.queuedBytes, 0);
  });

  it('reports lag when the oldest queued data is too old', () => {
    let now = 0;
    const output = new PassThrough({ highWaterMark: 1 });
    const overflows: string[] = [];
    const buffer = new FeedBuffer({ maxBytes: 1_000_000, maxLagMs: 5_000, now: () => now, onOverflow: (r) => overflows.push(r) });
    buffer.attach(output);
    buffer.push(Buffer.alloc(10));
    buffer.push(Buffer.alloc(10));
    now = 6_000;
    buffer.checkLag();
    assert.deepEqual(overflows, ['the relay fell behind (over 5 s queued)']);
  });

  it('finds the socket inode of a loopback connection in /proc/net/tcp', () => {
    const table = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 424242 1 0000000000000000 20 4 30 10 -1\n';
    assert.equal(findInode(table, 0xa1b2, 0x1f90), '424242');
    assert.equal(findInode(table, 0xa1b3, 0x1f90), undefined);
  });
});
