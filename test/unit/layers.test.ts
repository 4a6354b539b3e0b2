/**
 * The layers of DESIGN.md, as imports: each layer imports only the layers below it, and the ingest image
 * carries only what the ingest runs (no Lambda handlers, no local-plane composition).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closureOf, importsOf, layerOf, repoRoot, sourcesUnder } from '../support/import-graph';

/** Which layers each layer may import (its own included). */
const ALLOWED: Record<string, ReadonlyArray<string>> = {
  core: ['core'],
  adapters: ['adapters', 'core'],
  lambdas: ['lambdas', 'adapters', 'core'],
  'containers/ingest': ['containers/ingest', 'adapters', 'core'],
  local: ['local', 'containers/ingest', 'lambdas', 'adapters', 'core'],
  console: ['console'],
};

describe('layers', () => {
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`${layer}/ imports only ${allowed.join(', ')}`, () => {
      const files = sourcesUnder(layer === 'containers/ingest' ? 'containers/ingest/src' : layer);
      if (layer !== 'console') assert.ok(files.length > 0, `no sources found under ${layer}/`);
      const offences = files.flatMap((file) =>
        importsOf(file)
          .files.filter((target) => !allowed.includes(layerOf(target)))
          .map((target) => `${file} → ${target}`),
      );
      assert.deepEqual(offences, []);
    });
  }

  it('the ingest entry point reaches no Lambda handler and no local-plane code', () => {
    const reached = [...closureOf('containers/ingest/src/main.ts')];
    assert.ok(reached.some((f) => f.startsWith('containers/ingest/src/rtmp/')), 'the closure should include the RTMP ingest');
    assert.deepEqual(reached.filter((f) => !['containers/ingest', 'adapters', 'core'].includes(layerOf(f))), []);
  });

  it('the ingest image copies only what its entry point reaches', () => {
    const dockerfile = readFileSync(join(repoRoot, 'containers/ingest/Dockerfile'), 'utf8');
    const dockerignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY\s+(?:--\S+\s+)*(\S+)/gm)].map((m) => m[1]!);
    const allowed = [...dockerignore.matchAll(/^!(\S+?)(?:\/\*\*)?$/gm)].map((m) => m[1]!);
    for (const list of [copied, allowed]) {
      assert.deepEqual(list.filter((p) => /^(lambdas|local|lib|bin|test|bench|console)\b/.test(p)), []);
    }
    for (const file of closureOf('containers/ingest/src/main.ts')) {
      assert.ok(copied.some((p) => file === p || file.startsWith(`${p.replace(/\/$/, '')}/`)), `${file} is not copied into the image`);
      assert.ok(allowed.some((p) => file === p || file.startsWith(`${p}/`)), `${file} is excluded by .dockerignore`);
    }
  });
});
