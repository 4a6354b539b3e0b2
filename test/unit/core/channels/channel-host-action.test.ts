/** channelHostAction: a job whose channel holder still renews is a duplicate; one whose holder went quiet waits for its lease. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelHostAction } from '../../../../core/channels/channel-jobs';
import type { OutputLease } from '../../../../core/ports/output-lease';
import type { Stream } from '../../../../core/streams/stream';

const TTL = 15_000;
const now = new Date('2026-12-01T12:00:10Z');
const stream = { status: 'idle', latencyMode: 'normal' } as Pick<Stream, 'status' | 'latencyMode'>;
const held = (renewedAt: Date): OutputLease => ({
  streamId: 'st', holder: 'other:channel', priority: 'channel', generation: 2, acquiredAt: new Date(0), expiresAt: new Date(renewedAt.getTime() + TTL), released: false,
});
const facts = { stream, hasFallback: true, now, self: 'me:channel', ttlMs: TTL };

describe('channelHostAction', () => {
  it('drops a duplicate: the other holder renewed after this task got the job', () => {
    assert.equal(channelHostAction({ ...facts, lease: held(new Date('2026-12-01T12:00:08Z')), heldSince: new Date('2026-12-01T12:00:05Z') }), 'drop');
  });
  it('stands by when the holder has not renewed since (maybe dead), then plays once its lease lapsed', () => {
    const lease = held(new Date('2026-12-01T12:00:00Z'));
    assert.equal(channelHostAction({ ...facts, lease, heldSince: new Date('2026-12-01T12:00:05Z') }), 'standby');
    assert.equal(channelHostAction({ ...facts, lease, heldSince: new Date('2026-12-01T12:00:05Z'), now: new Date('2026-12-01T12:00:16Z') }), 'play');
  });
  it('without heldSince: the old rule (any live channel holder makes it a duplicate)', () => {
    assert.equal(channelHostAction({ stream, hasFallback: true, now, self: 'me:channel', lease: held(new Date('2026-12-01T12:00:00Z')) }), 'drop');
  });
});
