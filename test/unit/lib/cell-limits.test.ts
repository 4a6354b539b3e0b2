/**
 * The synth-time limits of ingest cells: a cell's subnets must hold its tasks during a deploy, its NLB
 * takes at most 500 targets (each task counts once per target group), and the cells' subnets must fit
 * in the VPC. Each refusal names the context key and says what to change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressesPerSubnet, cellCapacityProblems } from '../../../lib/cell-limits';
import { loadConfig } from '../../../lib/config';
import { MAX_INGEST_CELLS } from '../../../core/cells/ingest-cells';

const problems = (cells: number, subnetMask: number, maxTasks: number) => cellCapacityProblems({ cells, subnetMask, maxTasks });

describe('ingest cell limits', () => {
  it('accepts the defaults and large cells that fit', () => {
    assert.deepEqual(problems(1, 24, 4), []);
    assert.deepEqual(problems(5, 24, 83), []);
    assert.equal(addressesPerSubnet(24), 250);
  });

  it('refuses subnets too small for twice the tasks, naming a mask that fits', () => {
    const [problem] = problems(2, 28, 20);
    assert.equal(problem?.key, 'ingestCellSubnetMask');
    assert.match(problem?.message ?? '', /\/28 subnet holds 10 tasks.*needs 20 per zone.*\/27/);
  });

  it('refuses more targets than one NLB takes', () => {
    const found = problems(1, 22, 84);
    assert.deepEqual(found.map((p) => p.key), ['ingestMaxTasks']);
    assert.match(found[0]?.message ?? '', /at most 500 targets.*504 targets.*at most 83 tasks per cell/);
  });

  it('refuses cells whose subnets do not fit in the VPC', () => {
    const found = problems(5, 18, 10);
    assert.deepEqual(found.map((p) => p.key), ['ingestCells']);
    assert.match(found[0]?.message ?? '', /10 subnets of \/18, and the \/16 VPC holds 4/);
  });

  it('is enforced on the context, with the key named', () => {
    assert.equal(loadConfig(() => undefined).ingestCells, 1);
    const read = (values: Record<string, unknown>) => (key: string) => values[key];
    assert.equal(loadConfig(read({ ingestCells: '3', ingestCellSubnetMask: '23' })).ingestCells, 3);
    assert.throws(() => loadConfig(read({ ingestCells: String(MAX_INGEST_CELLS + 1) })), new RegExp(`ingestCells: expected a whole number from 1 to ${MAX_INGEST_CELLS}`));
    assert.throws(() => loadConfig(read({ ingestCells: '0' })), /ingestCells/);
    assert.throws(() => loadConfig(read({ ingestCells: '2.5' })), /ingestCells/);
    assert.throws(() => loadConfig(read({ ingestMaxTasks: '100' })), /ingestMaxTasks: a cell's NLB takes at most 500 targets/);
    assert.throws(() => loadConfig(read({ ingestCellSubnetMask: '28', ingestMaxTasks: '20' })), /ingestCellSubnetMask: a \/28 subnet holds 10 tasks/);
  });
});
