/** The dispatcher policy's deferral backoff: doubling from the first delay, capped at one queue delay. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferralDelay, MAX_DEFER_MS } from '../../../../core/webhooks/dispatch';

describe('deferral backoff', () => {
  it('doubles with each deferral and never exceeds 15 minutes', () => {
    assert.deepEqual([0, 1, 2, 3].map((n) => deferralDelay(5_000, n)), [5_000, 10_000, 20_000, 40_000]);
    assert.equal(deferralDelay(5_000, 8), MAX_DEFER_MS);
    assert.equal(deferralDelay(5_000, 10_000), 900_000);
  });
});
