/** The pure parts of the SRT and HTTP front ends: recognising MPEG-TS, reading the key out of a streamid, and single-use handoffs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sniffMpegTs, SNIFF_BYTES } from '../../../../containers/ingest/src/handoff/mpegts-sniff';
import { PublishHandoffs, isLoopback, type Handoff } from '../../../../containers/ingest/src/handoff/publish-handoffs';
import { relayArgs } from '../../../../containers/ingest/src/handoff/ts-relay';
import { streamKeyFromStreamId } from '../../../../containers/ingest/src/srt/stream-id';
import { waitFor } from '../../../support/wait';

function packets(count: number, lead = 0): Buffer {
  const packet = Buffer.alloc(188, 0xff);
  packet[0] = 0x47;
  return Buffer.concat([Buffer.alloc(lead, 0x00), ...Array.from({ length: count }, () => packet)]);
}

describe('sniffMpegTs', () => {
  it('recognises transport packets within the first kilobyte, also after a partial leading packet', () => {
    assert.ok(SNIFF_BYTES <= 1024);
    assert.equal(sniffMpegTs(packets(4)), 'mpegts');
    assert.equal(sniffMpegTs(packets(4, 100)), 'mpegts');
  });

  it('refuses anything else once it has seen enough, and asks for more before', () => {
    assert.equal(sniffMpegTs(Buffer.from('PUT me some html'.repeat(100))), 'not-mpegts');
    assert.equal(sniffMpegTs(Buffer.alloc(2000, 0x47 ^ 1)), 'not-mpegts');
    assert.equal(sniffMpegTs(packets(1)), 'need-more');
    // An FLV body is not MPEG-TS.
    assert.equal(sniffMpegTs(Buffer.concat([Buffer.from('FLV\x01\x05\0\0\0\x09'), Buffer.alloc(1000)])), 'not-mpegts');
  });
});

describe('streamKeyFromStreamId', () => {
  const key = 'sk_' + 'a'.repeat(43);
  it('takes the bare key, live/KEY and the SRT access-control form', () => {
    assert.equal(streamKeyFromStreamId(key), key);
    assert.equal(streamKeyFromStreamId(`live/${key}`), key);
    assert.equal(streamKeyFromStreamId(`#!::r=${key},m=publish`), key);
    assert.equal(streamKeyFromStreamId(`#!::m=publish,r=live/${key}`), key);
  });
  it('yields no key for a request mode other than publish, or no resource', () => {
    assert.equal(streamKeyFromStreamId(`#!::r=${key},m=request`), '');
    assert.equal(streamKeyFromStreamId('#!::m=publish'), '');
  });
});

describe('PublishHandoffs', () => {
  const handoff: Handoff = {
    decision: { allowed: true, streamId: 'st_1', sessionId: 'ses_1', reconnect: false, recording: true, reconnectWindowSeconds: 60 },
    remoteAddress: '203.0.113.7',
    protocol: 'srt',
    disconnect: () => undefined,
  };

  it('gives a decision to exactly one claim of its token', () => {
    const handoffs = new PublishHandoffs({ onAbandoned: () => assert.fail('not abandoned') });
    const token = handoffs.issue(handoff);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(handoffs.claim(token)?.remoteAddress, '203.0.113.7');
    assert.equal(handoffs.claim(token), undefined);
    assert.equal(handoffs.claim('x'.repeat(43)), undefined);
    assert.equal(handoffs.claim('../etc/passwd'), undefined);
    handoffs.close();
  });

  it('reports an unclaimed handoff as abandoned at its deadline', async () => {
    const abandoned: Handoff[] = [];
    const handoffs = new PublishHandoffs({ claimTimeoutMs: 20, onAbandoned: (h) => abandoned.push(h) });
    const token = handoffs.issue(handoff);
    await waitFor('abandoned', () => abandoned.length === 1, { timeoutMs: 2000 });
    assert.equal(handoffs.claim(token), undefined);
  });

  it('knows loopback addresses (the only place a handoff may come from)', () => {
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.0.0.9']) assert.ok(isLoopback(a), a);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', undefined, '']) assert.ok(!isLoopback(a), String(a));
  });

  it('relays with the token only, never a key, and without decoding', () => {
    const args = relayArgs(1935, 'T'.repeat(43));
    assert.deepEqual(args.slice(-2), ['flv', `rtmp://127.0.0.1:1935/handoff/${'T'.repeat(43)}`]);
    assert.equal(args[args.indexOf('-c') + 1], 'copy');
  });
});
