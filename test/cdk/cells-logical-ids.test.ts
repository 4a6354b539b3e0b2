/**
 * A deployed one-cell plane must not be replaced by the cells change: the default app (ingestCells=1)
 * still holds every resource of the committed snapshot under the same logical id and type, and makes no
 * nested stacks (cells 2… are nested stacks; cell 1 stays in the plane's stack). One synth.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { stackTemplates, synthApp } from './support';

const snapshot = JSON.parse(readFileSync(new URL('./__snapshots__/streamplane.template.json', import.meta.url), 'utf8')) as { Resources: Record<string, { Type: string }> };
const synth = synthApp();
const resources = synth.template.Resources as Record<string, { Type: string }>;

describe('a one-cell plane keeps its logical ids', () => {
  it(`keeps all ${Object.keys(snapshot.Resources).length} resources of the snapshot under their logical ids and types`, () => {
    const moved = Object.entries(snapshot.Resources).filter(([id, r]) => resources[id]?.Type !== r.Type).map(([id]) => id);
    assert.deepEqual(moved, []);
  });

  it('makes no nested stack and no subnets beyond the two public ones', () => {
    assert.equal(stackTemplates(synth).length, 1);
    assert.equal(Object.values(resources).filter((r) => r.Type === 'AWS::CloudFormation::Stack').length, 0);
    assert.equal(Object.values(resources).filter((r) => r.Type === 'AWS::EC2::Subnet').length, 2);
  });
});
