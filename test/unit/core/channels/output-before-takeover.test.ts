/** What viewers had before a channel task took a stream's output over (the `from` of its output.changed). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputBeforeTakeover, PREVIOUS_OUTPUT_RECENT_MS } from '../../../../core/channels/channel-jobs';
import type { OutputLease } from '../../../../core/ports/output-lease';

const now = new Date('2026-12-01T12:00:00Z');
const lease = (priority: OutputLease['priority'], endedMsAgo: number): OutputLease => ({
  streamId: 'st', holder: `t:${priority}`, priority, generation: 3, acquiredAt: new Date(0), expiresAt: new Date(now.getTime() - endedMsAgo), released: true,
});

describe('outputBeforeTakeover', () => {
  it('a channel task wrote last (stopped or fenced): viewers had the fallback, whatever is stored', () => {
    assert.equal(outputBeforeTakeover(lease('channel', 5_000), 'off', now), 'fallback');
    assert.equal(outputBeforeTakeover(lease('channel', 5_000), undefined, now), 'fallback');
  });
  it('a live or backup session wrote last: live, or its slate when the stored output says so', () => {
    assert.equal(outputBeforeTakeover(lease('live', 1_000), undefined, now), 'live');
    assert.equal(outputBeforeTakeover(lease('backup', 1_000), 'fallback', now), 'live');
    assert.equal(outputBeforeTakeover(lease('live', 1_000), 'slate', now), 'slate');
  });
  it('no recent previous writer: the stored output stands', () => {
    assert.equal(outputBeforeTakeover(undefined, 'off', now), 'off');
    assert.equal(outputBeforeTakeover(undefined, undefined, now), undefined);
    assert.equal(outputBeforeTakeover(lease('channel', PREVIOUS_OUTPUT_RECENT_MS + 1), 'off', now), 'off');
  });
});
