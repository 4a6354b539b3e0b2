/**
 * The Node flags the plane's long-running process starts with: `npm start` (package.json), the ingest
 * container (containers/ingest/Dockerfile), `streamplane dev` and the benches that start the plane.
 * test/unit/bin/plane-node-flags.test.ts keeps package.json and the Dockerfile in step with this list.
 *
 * `--max-semi-space-size=4` (MiB; Node 20 defaults to 16). A live stream allocates JavaScript objects
 * slowly (~1 MB/s) but Buffers quickly (~3 MB/s outside the JS heap, which V8 counts toward its
 * old-generation limit until a GC frees them). With a 16 MiB young generation, scavenges were rare and
 * V8 ran a full mark-compact every 2.5–4 s instead (`--trace-gc`), its concurrent marking on V8's helper
 * threads. With 4 MiB, scavenges run every second or two and free the young Buffers sooner. Measured with
 * `npm run bench:transcode` (Node's CPU over the 20 s steady window of one 1080p30 passthrough stream,
 * three alternating runs each): 1.05–1.14 CPU-s with 16 MiB, 0.95–1.02 with 4 MiB, lower in every pair;
 * V8's helper threads 0.33–0.40 → 0.22–0.30 CPU-s. 1 and 2 MiB measured no better than 4.
 */
import { join } from 'node:path';

export const PLANE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** Arguments for `node` that run bin/local-plane.ts as `npm start` does; `extra` go first (profilers). */
export function localPlaneNodeArgs(extra: readonly string[] = []): string[] {
  return [...extra, ...PLANE_NODE_FLAGS, '--import', 'tsx', join(import.meta.dirname, 'local-plane.ts')];
}
