/**
 * What a publisher declares before its first frame (containers/ingest/src/rtmp/flv-metadata.ts) against
 * what ffprobe finds in the same bytes, for FLV written by a real ffmpeg: a fast start plans from the
 * former, so the two must agree on everything the ladder reads.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { FlvDeclaration } from '../../containers/ingest/src/rtmp/flv-metadata';
import { inspectFlvTags } from '../../containers/ingest/src/rtmp/flv-tap';
import { probeSource } from '../../containers/ingest/src/transcoder/source-probe';

const run = promisify(execFile);

/** The file's header, then each tag with its previous-tag-size (how node-media-server hands them out). */
function chunks(file: Buffer): Buffer[] {
  const out = [file.subarray(0, 13)];
  for (let offset = 13; offset + 11 <= file.length; ) {
    const end = offset + 11 + file.readUIntBE(offset + 1, 3) + 4;
    out.push(file.subarray(offset, end));
    offset = end;
  }
  return out;
}

describe('FlvDeclaration on ffmpeg FLV', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flv-metadata-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function encode(name: string, args: string[]): Promise<Buffer> {
    const path = join(dir, name);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args, '-f', 'flv', path]);
    return readFile(path);
  }

  async function compare(file: Buffer): Promise<void> {
    const declaration = new FlvDeclaration();
    const seen: Buffer[] = [];
    for (const chunk of chunks(file)) {
      seen.push(chunk);
      declaration.add(chunk);
      if (inspectFlvTags(chunk).some((t) => t.keyframe)) break;
    }
    const declared = declaration.sourceInfo();
    assert.ok(declared, `declared: ${JSON.stringify(declaration.declared)}`);
    const probed = await probeSource(Buffer.concat(seen));
    assert.deepEqual(declared, probed);
  }

  it('agrees with ffprobe on a 720p30 High-profile source with stereo AAC at the first keyframe', async () => {
    await compare(await encode('high.flv', ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=sample_rate=44100', '-t', '1', '-ac', '2',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'high', '-g', '60', '-b:v', '2500k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k']));
  });

  it('agrees with ffprobe on a 29.97 fps Main-profile source without audio', async () => {
    await compare(await encode('main.flv', ['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30000/1001', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'main', '-b:v', '900k', '-pix_fmt', 'yuv420p']));
  });

  it('declares nothing for a source it cannot read (MPEG-4 Part 2 video): ffprobe decides', async () => {
    const declaration = new FlvDeclaration();
    for (const chunk of chunks(await encode('flv1.flv', ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '0.5', '-c:v', 'flv1']))) declaration.add(chunk);
    assert.equal(declaration.sourceInfo(), undefined);
  });
});
