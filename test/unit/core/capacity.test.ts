import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ladderVcpu, streamBudget, usedCapacityPercent } from '../../../core/capacity/stream-budget';

describe('per-task stream budget', () => {
  it('prices the default ladder at the bench figure and an encoded top rung higher', () => {
    assert.ok(Math.abs(ladderVcpu({ rungs: [1080, 720, 480, 360] }) - 0.66) < 1e-9);
    const encodedTop = ladderVcpu({ rungs: [1080, 720, 480, 360], passthroughTop: false });
    assert.ok(encodedTop > 1.2 && encodedTop < 1.4, `encoding 1080p too: ${encodedTop}`);
    assert.ok(ladderVcpu({ rungs: [720, 480] }) < 0.66);
    assert.ok(Math.abs(ladderVcpu({ rungs: [1080, 720, 480, 360], fps: 60 }) - 1.32) < 1e-9);
  });

  it('admits what fits the task with headroom, and never fewer than one', () => {
    const stream = ladderVcpu({ rungs: [1080, 720, 480, 360] });
    assert.equal(streamBudget({ taskVcpu: 2, streamVcpu: stream }), 2);
    assert.equal(streamBudget({ taskVcpu: 16, streamVcpu: stream }), 19);
    assert.equal(streamBudget({ taskVcpu: 0.25, streamVcpu: stream }), 1);
    assert.throws(() => streamBudget({ taskVcpu: 0, streamVcpu: stream }), /positive/);
  });

  it('reports the used share of a budget', () => {
    assert.equal(usedCapacityPercent(1, 2), 50);
    assert.equal(usedCapacityPercent(3, 19), 15.8);
  });
});
