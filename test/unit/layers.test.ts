/**
 * The layers of DESIGN.md, as imports: each layer imports only the layers below it, and the ingest image
 * carries only what the ingest runs (no Lambda handlers, no local-plane composition).
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { closureOf, importsOf, layerOf, repoRoot, sourcesUnder } from '../support/import-graph';

/** Which layers each layer may import (its own included). */
const ALLOWED: Record<string, ReadonlyArray<string>> = {
  core: ['core'],
  adapters: ['adapters', 'core'],
  lambdas: ['lambdas', 'adapters', 'core'],
  'containers/ingest': ['containers/ingest', 'adapters', 'core'],
  local: ['local', 'containers/ingest', 'lambdas', 'adapters', 'core'],
};

/**
 * The console runs in a browser and talks to the public API only: it imports its own files and its UI
 * libraries; from the server it may take types only (the API's zod schemas and core's types), which
 * vanish from the bundle. Its build script (Node) may import esbuild and node: modules.
 */
const CONSOLE_PACKAGES = ['preact', 'preact/hooks', 'hls.js'];
const CONSOLE_TYPE_PACKAGES = ['zod'];
const CONSOLE_BUILD = 'console/build.ts';
const STATEMENT = /^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

function consoleOffences(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const offences: string[] = [];
  for (const m of text.matchAll(STATEMENT)) {
    const typeOnly = Boolean(m[1]);
    const spec = m[2] ?? m[3] ?? m[4] ?? '';
    if (!spec.startsWith('.')) {
      const ok =
        CONSOLE_PACKAGES.includes(spec) ||
        (typeOnly && CONSOLE_TYPE_PACKAGES.includes(spec)) ||
        (file === CONSOLE_BUILD && (spec === 'esbuild' || spec.startsWith('node:')));
      if (!ok) offences.push(`${file} → package ${spec}${typeOnly ? ' (type)' : ''}`);
      continue;
    }
    const target = join(dirname(file), spec);
    const ok = target.startsWith('console/') || (typeOnly && (/^lambdas\/[^/]+\/([\w-]+-)?schema$/.test(target) || target.startsWith('core/')));
    if (!ok) offences.push(`${file} → ${target}${typeOnly ? ' (type)' : ''}`);
  }
  return offences;
}

describe('layers', () => {
  for (const [layer, allowed] of Object.entries(ALLOWED)) {
    it(`${layer}/ imports only ${allowed.join(', ')}`, () => {
      const files = sourcesUnder(layer === 'containers/ingest' ? 'containers/ingest/src' : layer);
      assert.ok(files.length > 0, `no sources found under ${layer}/`);
      const offences = files.flatMap((file) =>
        importsOf(file)
          // The local plane bundles the console at start: its build script, never the browser code.
          .files.filter((target) => !allowed.includes(layerOf(target)) && !(layer === 'local' && target === CONSOLE_BUILD))
          .map((target) => `${file} → ${target}`),
      );
      assert.deepEqual(offences, []);
    });
  }

  it('console/ imports only console/, its UI libraries, and types from lambdas/*/schema.ts and core/', () => {
    const files = sourcesUnder('console');
    assert.ok(files.some((f) => f.endsWith('.tsx')), 'the console sources (.tsx) are found');
    assert.deepEqual(files.flatMap(consoleOffences), []);
  });

  it('the console check catches a value import of the server and an unknown package', () => {
    const probe = 'console/__layers_probe.ts';
    const full = join(repoRoot, probe);
    writeFileSync(full, "import { streamView } from '../lambdas/stream-registry/schema';\nimport type { Stream } from '../core/streams/stream';\nimport left from 'left-pad';\n");
    try {
      assert.deepEqual(consoleOffences(probe), [`${probe} → lambdas/stream-registry/schema`, `${probe} → package left-pad`]);
    } finally {
      rmSync(full, { force: true });
    }
  });

  it('no other layer imports the console (only the local plane and the CDK serve its bundle)', () => {
    for (const layer of ['core', 'adapters', 'lambdas', 'containers/ingest/src']) {
      const offences = sourcesUnder(layer).flatMap((file) => importsOf(file).files.filter((t) => t.startsWith('console/')).map((t) => `${file} → ${t}`));
      assert.deepEqual(offences, []);
    }
  });

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
