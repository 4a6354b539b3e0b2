import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRetry, retryDelayMs } from '../../../../core/pulls/pull-retry';
import { emptySlots, releaseSlot, requestSlot } from '../../../../core/pulls/pull-slots';

describe('pull retries', () => {
  it('backs off 1 s, 2 s, 5 s, 10 s, then 15 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n)), [1000, 2000, 5000, 10000, 15000, 15000]);
  });

  it('gives a source that never opened three tries', () => {
    assert.deepEqual(nextRetry({ attempts: 1, everConnected: false, nowMs: 0, reconnectWindowSeconds: 60 }), { action: 'retry', delayMs: 1000 });
    assert.deepEqual(nextRetry({ attempts: 2, everConnected: false, nowMs: 0, reconnectWindowSeconds: 60 }), { action: 'retry', delayMs: 2000 });
    assert.deepEqual(nextRetry({ attempts: 3, everConnected: false, nowMs: 0, reconnectWindowSeconds: 60 }), { action: 'give_up', reason: 'start_attempts_exhausted' });
  });

  it('retries a dropped source only inside the reconnect window', () => {
    assert.deepEqual(nextRetry({ attempts: 4, everConnected: true, droppedAtMs: 0, nowMs: 1000, reconnectWindowSeconds: 60 }), { action: 'retry', delayMs: 10000 });
    assert.deepEqual(nextRetry({ attempts: 4, everConnected: true, droppedAtMs: 0, nowMs: 55000, reconnectWindowSeconds: 60 }), { action: 'retry', delayMs: 4500 }, 'capped to the window');
    assert.deepEqual(nextRetry({ attempts: 9, everConnected: true, droppedAtMs: 0, nowMs: 59800, reconnectWindowSeconds: 60 }), { action: 'give_up', reason: 'reconnect_window_expired' });
    assert.deepEqual(nextRetry({ attempts: 1, everConnected: true, droppedAtMs: 0, nowMs: 0, reconnectWindowSeconds: 0 }), { action: 'give_up', reason: 'no_reconnect_window' });
  });
});

describe('pull slots', () => {
  it('runs four, queues the fifth, and starts it when one ends', () => {
    let slots = emptySlots(4);
    const outcomes: string[] = [];
    for (const id of ['a', 'b', 'c', 'd', 'e']) {
      const r = requestSlot(slots, id);
      slots = r.slots;
      outcomes.push(r.outcome);
    }
    assert.deepEqual(outcomes, ['start', 'start', 'start', 'start', 'queued']);
    assert.equal(requestSlot(slots, 'a').outcome, 'already_running');
    assert.equal(requestSlot(slots, 'e').outcome, 'already_queued');
    const released = releaseSlot(slots, 'b');
    assert.deepEqual(released.start, ['e']);
    assert.deepEqual(released.slots.running, ['a', 'c', 'd', 'e']);
    assert.deepEqual(released.slots.waiting, []);
  });

  it('cancelling a waiting pull frees nothing and starts nothing', () => {
    let slots = emptySlots(1);
    slots = requestSlot(slots, 'a').slots;
    slots = requestSlot(slots, 'b').slots;
    const r = releaseSlot(slots, 'b');
    assert.deepEqual(r.start, []);
    assert.deepEqual(r.slots.running, ['a']);
    assert.throws(() => emptySlots(0), /positive integer/);
  });
});
