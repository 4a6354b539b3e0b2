/**
 * The Node flags the plane's long-running process starts with: `npm start` (package.json), the ingest
 * container (containers/ingest/Dockerfile), `streamplane dev` and the benches that start the plane.
 * test/unit/bin/plane-node-flags.test.ts keeps package.json and the Dockerfile in step with this list.
 *
 * `--max-semi-space-size=4` (MiB; Node 20 defaults to 16): V8 starts a major GC early whenever the old
 * generation's headroom is smaller than the young generation, and for a heap the plane's size (~26 MiB
 * live) that headroom is V8's minimum step of 8 MiB. With a 16 MiB young generation a live stream
 * therefore ran a full mark-compact every 2.5–4 s for ever (`--trace-gc`; ~5 % of the main thread plus
 * concurrent marking on V8's helper threads); with 4 MiB it runs only scavenges, which are cheap because
 * the media path's buffers die young. Measured on one 1080p30 passthrough stream, Node's own CPU over
 * 20 s of media on one host: 0.89–1.22 CPU-s with the default (six runs, 3–9 major GCs each), 0.68–0.75
 * with 4 MiB (four runs, none); 8 MiB still looped (2–9 major GCs in each of three runs), 2 MiB in one of three.
 */
import { join } from 'node:path';

export const PLANE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** Arguments for `node` that run bin/local-plane.ts as `npm start` does; `extra` go first (profilers). */
export function localPlaneNodeArgs(extra: readonly string[] = []): string[] {
  return [...extra, ...PLANE_NODE_FLAGS, '--import', 'tsx', join(import.meta.dirname, 'local-plane.ts')];
}
