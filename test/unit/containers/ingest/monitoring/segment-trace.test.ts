/**
 * The opt-in segment trace bench:density reads: off without STREAMPLANE_SEGMENT_TRACE; with it, one JSON
 * line per recorded segment and event-loop delay lines. Runs in a child process (the module reads the
 * variable once per process).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = `
const t = require(${JSON.stringify(join(process.cwd(), 'containers/ingest/src/monitoring/segment-trace.ts'))});
const on = t.segmentTraceEnabled();
t.recordSegmentTiming({ streamId: 's1', rendition: '720p', sequence: 3, mediaEnd: 8, closedAtMs: 1, detectedAtMs: 2, uploadedAtMs: 3, playlistAtMs: 4 });
process.stdout.write(String(on));
setTimeout(() => process.exit(0), 1300).ref();
`;

test('segment trace: off by default, JSON lines of segments and event-loop delay when enabled', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'segment-trace-'));
  try {
    const env = { ...process.env };
    delete env.STREAMPLANE_SEGMENT_TRACE;
    const off = await run(process.execPath, ['--import', 'tsx', '-e', script], { env });
    assert.equal(off.stdout, 'false');
    const path = join(dir, 'trace.jsonl');
    const on = await run(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...env, STREAMPLANE_SEGMENT_TRACE: path } });
    assert.equal(on.stdout, 'true');
    const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; sequence?: number; maxMs?: number });
    assert.deepEqual(lines.filter((l) => l.kind === 'segment').map((l) => l.sequence), [3]);
    const loop = lines.find((l) => l.kind === 'loop');
    assert.ok(loop && typeof loop.maxMs === 'number' && loop.maxMs >= 0, 'an event-loop delay line');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
