import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { localPlaneNodeArgs, PLANE_NODE_FLAGS } from '../../../bin/plane-node-flags';

const root = join(import.meta.dirname, '..', '..', '..');

describe('the plane process starts with its Node flags everywhere it runs', () => {
  it('npm start passes them to tsx before the entry point', () => {
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    assert.equal(start, `tsx ${PLANE_NODE_FLAGS.join(' ')} bin/local-plane.ts`);
  });

  it('the ingest container passes them to node before the entry point', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(root, 'containers', 'ingest', 'Dockerfile'), 'utf8'))?.[1];
    assert.ok(cmd, 'the Dockerfile has a CMD');
    assert.deepEqual(JSON.parse(cmd), ['node', ...PLANE_NODE_FLAGS, '--import', 'tsx', 'containers/ingest/src/main.ts']);
  });

  it('benches and `streamplane dev` run the same entry with the same flags, profiler flags first', () => {
    const args = localPlaneNodeArgs(['--cpu-prof']);
    assert.deepEqual(args.slice(0, 1 + PLANE_NODE_FLAGS.length), ['--cpu-prof', ...PLANE_NODE_FLAGS]);
    assert.equal(args.at(-1), join(root, 'bin', 'local-plane.ts'));
  });
});
