/**
 * The tests' waiting helpers: `waitFor` returns the probe's value once there is one and fails at its
 * deadline naming what it waited for; `staysTrue` holds for its whole window and fails as soon as the
 * condition breaks, not at the end of the window.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { staysTrue, waitFor } from '../../support/wait';

describe('waitFor', () => {
  it('returns the first value the probe gives, retrying through false, undefined and errors', async () => {
    let calls = 0;
    const value = await waitFor('the third call', () => {
      calls++;
      if (calls === 1) throw new Error('not yet');
      return calls === 3 ? 'ready' : calls === 2 ? false : undefined;
    }, { intervalMs: 1 });
    assert.equal(value, 'ready');
    assert.equal(calls, 3);
  });

  it('fails at its deadline, naming what it waited for and the last error', async () => {
    await assert.rejects(waitFor('a thing', () => {
      throw new Error('still broken');
    }, { timeoutMs: 30, intervalMs: 5 }), /timed out waiting for a thing: still broken/);
  });
});

describe('staysTrue', () => {
  it('holds for the whole window while the condition holds', async () => {
    let polls = 0;
    const started = Date.now();
    await staysTrue('nothing happened', () => ++polls > 0, { forMs: 60, intervalMs: 5 });
    assert.ok(Date.now() - started >= 60);
    assert.ok(polls >= 2);
  });

  it('fails as soon as the condition breaks, long before the window ends', async () => {
    const started = Date.now();
    let polls = 0;
    await assert.rejects(staysTrue('the count stays below 3', () => ++polls < 3, { forMs: 10_000, intervalMs: 5 }), /no longer true: the count stays below 3/);
    assert.ok(Date.now() - started < 1_000);
  });
});
