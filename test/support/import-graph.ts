/**
 * Static import graph of the repository's TypeScript sources, read as text (no compiler): enough to check
 * which layer imports which, and what an entry point pulls in transitively.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const repoRoot = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

/** Every `.ts`/`.tsx` file below `dir` (repo-relative), tests and declarations excluded. */
export function sourcesUnder(dir: string): string[] {
  const full = join(repoRoot, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full).flatMap((name) => {
    const path = join(full, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourcesUnder(relative(repoRoot, path));
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [relative(repoRoot, path)] : [];
  });
}

/** The specifiers a file imports: relative ones resolved to repo-relative `.ts` paths, packages as named. */
export function importsOf(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const files: string[] = [];
  const packages: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3] ?? '';
    if (!spec.startsWith('.')) {
      packages.push(spec);
      continue;
    }
    const base = join(dirname(file), spec);
    const resolved = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx'), base].find((candidate) => existsSync(join(repoRoot, candidate)) && statSync(join(repoRoot, candidate)).isFile());
    files.push(resolved ?? base);
  }
  return { files, packages };
}

/** Every source file reachable from `entry` by relative imports, the entry included. */
export function closureOf(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file).files.filter((f) => /\.tsx?$/.test(f)));
  }
  return seen;
}

/** The top-level layer a repo-relative path belongs to (`containers/ingest` counts as one). */
export function layerOf(path: string): string {
  return path.startsWith('containers/ingest/') ? 'containers/ingest' : path.split('/')[0]!;
}
