/** `core/` is the pure domain: no AWS SDK, no I/O, nothing from the outer layers. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const coreDir = new URL('../../../core', import.meta.url).pathname;
const ALLOWED_PACKAGES = new Set(['zod', 'node:crypto']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

describe('core purity', () => {
  it('imports only other core modules, zod and node:crypto', () => {
    const offences: string[] = [];
    for (const file of sources(coreDir)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = match[1] ?? match[2] ?? match[3] ?? '';
        if (spec.startsWith('.')) {
          const target = relative(coreDir, join(file, '..', spec));
          if (target.startsWith('..')) offences.push(`${relative(coreDir, file)} imports ${spec} (outside core)`);
        } else if (!ALLOWED_PACKAGES.has(spec)) {
          offences.push(`${relative(coreDir, file)} imports ${spec}`);
        }
      }
      if (/\bprocess\.env\b/.test(text)) offences.push(`${relative(coreDir, file)} reads process.env`);
    }
    assert.deepEqual(offences, []);
  });
});
