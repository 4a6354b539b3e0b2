/**
 * The delivery slots of the dispatcher policy: the per-endpoint gate that keeps a slow endpoint to a few
 * slots (moved from the dispatcher handler's tests), and the process-wide pool.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemTimers } from '../../../../adapters/system-timers';
import type { Timers } from '../../../../core/ports/timers';
import { EndpointGate, Semaphore } from '../../../../core/webhooks/delivery-slots';

describe('endpoint gate', () => {
  it('gives a healthy endpoint many slots and a slow one few, and forgets slowness after a while', async () => {
    let now = 0;
    const gate = new EndpointGate({ perEndpoint: 3, whenSlow: 1, slowAfterMs: 100, slowMemoryMs: 1_000, timers: { now: () => now, after: systemTimers.after } });
    const permits = await Promise.all([1, 2, 3].map(() => gate.acquire('wh_a', 0)));
    assert.ok(permits.every(Boolean));
    assert.equal(await gate.acquire('wh_a', 0), undefined, 'all three slots taken');
    assert.ok(await gate.acquire('wh_b', 0), 'other endpoints are not affected');
    now = 150;
    assert.equal(gate.isSlow('wh_a'), false, 'time spent outside the request (store writes) does not count');
    permits[0]?.requestStarted();
    now = 300;
    assert.equal(gate.isSlow('wh_a'), true, 'a request running too long marks it slow');
    permits[0]?.requestFinished(150, false);
    for (const p of permits) p?.release();
    assert.equal(gate.isSlow('wh_a'), true, 'and it stays slow for a while');
    const one = await gate.acquire('wh_a', 0);
    assert.ok(one);
    assert.equal(await gate.acquire('wh_a', 0), undefined, 'one slot while slow');
    one?.release();
    now = 2_000;
    assert.equal(gate.isSlow('wh_a'), false);
    const timedOut = await gate.acquire('wh_a', 0);
    timedOut?.requestStarted();
    timedOut?.requestFinished(10, true);
    timedOut?.release();
    assert.equal(gate.isSlow('wh_a'), true, 'a timeout marks it slow too');
  });

  it('lets a waiter take a freed slot, or gives up at its deadline', async () => {
    const gate = new EndpointGate({ perEndpoint: 1, whenSlow: 1, slowAfterMs: 60_000, slowMemoryMs: 1_000, timers: systemTimers });
    const first = await gate.acquire('wh_a', 0);
    const waiting = gate.acquire('wh_a', 5_000);
    first?.release();
    const second = await waiting;
    assert.ok(second, 'woken by the release');
    const started = Date.now();
    assert.equal(await gate.acquire('wh_a', 30), undefined);
    assert.ok(Date.now() - started >= 25);
    second?.release();
  });
});

describe('semaphore', () => {
  it('hands out at most its size, passes a released permit to the next waiter, and lets a waiter give up at its deadline', async () => {
    let now = 0;
    const due: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
    const timers: Timers = {
      now: () => now,
      after: (ms, fn) => {
        const entry = { at: now + ms, fn, cancelled: false };
        due.push(entry);
        return { cancel: () => void (entry.cancelled = true) };
      },
    };
    const advance = (to: number) => {
      now = to;
      for (const entry of due) if (!entry.cancelled && entry.at <= now) (entry.cancelled = true), entry.fn();
    };
    const pool = new Semaphore(2, timers);
    const a = await pool.acquire();
    const b = await pool.acquire();
    assert.ok(a && b);
    assert.equal(await pool.acquire(0), undefined, 'no permit free and no wait');
    const patient = pool.acquire(1_000);
    const impatient = pool.acquire(10);
    advance(10);
    assert.equal(await impatient, undefined, 'gave up at its deadline');
    a.release();
    a.release();
    const granted = await patient;
    assert.ok(granted, 'the released permit went to the waiter');
    assert.equal(due[0]?.cancelled, true, 'and its deadline timer was cancelled');
    assert.equal(await pool.acquire(0), undefined, 'a double release frees nothing more');
    granted.release();
    assert.ok(await pool.acquire(0));
    assert.throws(() => new Semaphore(0, timers), RangeError);
  });
});
