/**
 * Bundles the console (Node side, not part of the browser app): esbuild compiles console/main.tsx with
 * Preact and hls.js into one ES module plus one stylesheet — no file from any CDN. The local plane calls
 * `buildConsole` at start (output cached under its data dir, keyed by a hash of the sources and the
 * bundled libraries' versions, so a second start reuses it); the CDK construct calls `buildConsoleSync`
 * at synth and deploys the folder.
 *
 * Must never: write outside the folder it is given, or fail the plane's start (callers catch).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

export const CONSOLE_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(CONSOLE_DIR, '..');
const require = createRequire(import.meta.url);

/** Files of a built console, by name (`index.html`, `app.js`, `app.css`). */
export const CONSOLE_FILES = ['index.html', 'app.js', 'app.css'] as const;

function options(outdir: string): BuildOptions {
  return {
    absWorkingDir: ROOT,
    entryPoints: [
      { in: join(CONSOLE_DIR, 'main.tsx'), out: 'app' },
      { in: join(CONSOLE_DIR, 'styles.css'), out: 'app' },
    ],
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    logLevel: 'silent',
    tsconfigRaw: { compilerOptions: { jsx: 'react-jsx', jsxImportSource: 'preact' } },
    define: { 'process.env.NODE_ENV': '"production"' },
  };
}

/** A hash of everything that goes into the bundle: the console's sources and the libraries' versions. */
export function consoleSourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(tsx?|css|html)$/.test(name)) hash.update(relative(CONSOLE_DIR, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(CONSOLE_DIR);
  for (const pkg of ['preact', 'hls.js', 'esbuild']) {
    try {
      hash.update(`${pkg}@${(JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version}`);
    } catch {
      hash.update(`${pkg}@missing`);
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function finish(tmp: string, outDir: string): void {
  writeFileSync(join(tmp, 'index.html'), readFileSync(join(CONSOLE_DIR, 'index.html')));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(dirname(outDir), { recursive: true });
  renameSync(tmp, outDir);
}

/**
 * Builds into `<cacheDir>/<hash>/` unless that exists already; returns the folder. Older builds in
 * `cacheDir` are removed. Rejects when esbuild is not installed (e.g. `npm ci --omit=dev`).
 */
export async function buildConsole(cacheDir: string): Promise<{ dir: string; hash: string; cached: boolean }> {
  const hash = consoleSourceHash();
  const dir = join(cacheDir, hash);
  if (CONSOLE_FILES.every((f) => existsSync(join(dir, f)))) return { dir, hash, cached: true };
  const esbuild = await import('esbuild');
  const tmp = join(cacheDir, `.tmp-${hash}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    await esbuild.build(options(tmp));
  } finally {
    // The async API keeps an esbuild service process for later builds; the plane needs no more.
    await esbuild.stop();
  }
  finish(tmp, dir);
  for (const name of readdirSync(cacheDir)) if (name !== hash && !name.startsWith('.tmp-')) rmSync(join(cacheDir, name), { recursive: true, force: true });
  return { dir, hash, cached: false };
}

/** The same bundle, synchronously into `outDir` (CDK synth cannot await). */
export function buildConsoleSync(outDir: string): void {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  esbuild.buildSync(options(tmp));
  finish(tmp, outDir);
}
