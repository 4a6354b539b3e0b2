/**
 * The publish decision is the one contract between the publish-auth hook and the ingest gate: what the
 * Lambda returns parses, and anything the gate could not act on (a missing session, a reason outside
 * the catalog's, a stream record riding along) does not pass as a decision.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_CATALOG } from '../../../../core/events/catalog';
import { publishDecision, REJECT_REASONS } from '../../../../core/streams/publish-decision';

const allowed = { allowed: true, streamId: 'st_a', sessionId: 'ses_b', reconnect: false, recording: true, reconnectWindowSeconds: 60 };

describe('publishDecision', () => {
  it('accepts an allowed decision and every refusal reason', () => {
    assert.deepEqual(publishDecision.parse(allowed), allowed);
    for (const reason of REJECT_REASONS) {
      assert.deepEqual(publishDecision.parse({ allowed: false, reason, streamId: null }), { allowed: false, reason, streamId: null });
    }
  });

  it('refuses what the gate could not act on', () => {
    const { sessionId: _sessionId, ...withoutSession } = allowed;
    assert.equal(publishDecision.safeParse(withoutSession).success, false);
    assert.equal(publishDecision.safeParse({ ...allowed, reconnectWindowSeconds: -1 }).success, false);
    assert.equal(publishDecision.safeParse({ allowed: false, reason: 'because', streamId: null }).success, false);
    assert.equal(publishDecision.safeParse({ allowed: false, reason: 'unknown_key', streamId: '' }).success, false);
  });

  it('drops anything beyond the contract (a stream record never reaches the ingest through it)', () => {
    assert.deepEqual(publishDecision.parse({ ...allowed, stream: { keyHash: 'h' } }), allowed);
  });

  it('names the same refusal reasons as the stream.rejected event', () => {
    const reasons = EVENT_CATALOG['stream.rejected'].data.shape.reason.options;
    assert.deepEqual([...reasons], [...REJECT_REASONS]);
  });
});
