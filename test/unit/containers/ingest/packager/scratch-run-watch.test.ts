/** The segment-list watch on a real folder: a list written now or later is seen at once, and a closed run hears nothing. */
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { silentLogger } from '../../../../../core/ports/logger';
import { ScratchRun } from '../../../../../containers/ingest/src/packager/scratch-run';
import { SEGMENT_LIST_FILE } from '../../../../../containers/ingest/src/transcoder/ffmpeg-args';

const RENDITIONS = ['720p', '360p'];

async function until(what: string, check: () => boolean, deadlineMs = 5_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('scratch run watch', () => {
  let dir: string;
  let run: ScratchRun | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamplane-scratch-watch-'));
  });
  afterEach(async () => {
    run?.close();
    run = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const newRun = () => new ScratchRun({ id: 1, dir, base: 0, closed: false, pending: 0 }, RENDITIONS, 'stream-1', silentLogger);
  const list = (rendition: string) => join(dir, rendition, SEGMENT_LIST_FILE);

  it('reports appends to a list that exists when the watch starts, and reads every line', async () => {
    for (const r of RENDITIONS) {
      await mkdir(join(dir, r));
      await writeFile(list(r), '');
    }
    run = newRun();
    let changes = 0;
    assert.equal(run.watch(() => changes++), true);
    await appendFile(list('360p'), 'seg_000000.ts,0.000000,2.000000\n');
    await until('the append to be reported', () => changes > 0);
    const lines: string[] = [];
    await run.poll((rendition, line) => void lines.push(`${rendition} ${line}`));
    assert.deepEqual(lines, ['360p seg_000000.ts,0.000000,2.000000']);
  });

  it('waits for a list made after the watch starts, then follows the list itself', async () => {
    for (const r of RENDITIONS) await mkdir(join(dir, r));
    run = newRun();
    let changes = 0;
    assert.equal(run.watch(() => changes++), true);
    // Segment data in the folder is not a list change.
    await writeFile(join(dir, '720p', 'seg_000000.ts'), Buffer.alloc(4096));
    await writeFile(list('720p'), 'seg_000000.ts,0.000000,2.000000\n');
    await until('the new list to be reported', () => changes > 0);
    const seen = changes;
    await appendFile(list('720p'), 'seg_000001.ts,2.000000,4.000000\n');
    await until('an append to the new list to be reported', () => changes > seen);
    const lines: string[] = [];
    await run.poll((rendition, line) => void lines.push(`${rendition} ${line}`));
    assert.deepEqual(lines, ['720p seg_000000.ts,0.000000,2.000000', '720p seg_000001.ts,2.000000,4.000000']);
  });

  it('says a folder that is not there yet cannot be watched (the caller polls it)', async () => {
    await mkdir(join(dir, '720p'));
    run = newRun();
    assert.equal(run.watch(() => undefined), false);
  });

  it('reports nothing once the run is closed', async () => {
    for (const r of RENDITIONS) await mkdir(join(dir, r));
    await writeFile(list('720p'), '');
    run = newRun();
    let changes = 0;
    run.watch(() => changes++);
    run.close();
    // A watch of our own on the same list: once it has heard the append, so would a watch left open.
    let heard = 0;
    const witness = watch(list('720p'), () => heard++);
    try {
      await appendFile(list('720p'), 'seg_000000.ts,0.000000,2.000000\n');
      await until('the witness to hear the append', () => heard > 0);
    } finally {
      witness.close();
    }
    assert.equal(changes, 0);
  });
});
