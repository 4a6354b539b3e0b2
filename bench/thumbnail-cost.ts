/**
 * `node --import tsx bench/thumbnail-cost.ts [seconds]`: the CPU the live thumbnail output adds to a
 * transcode. Runs the ingest's own ffmpeg command (buildTranscodeArgs, default ladder) on one 1080p30
 * source file twice per round — without and with the thumbnail output (every 10 s, keyframes only) —
 * and compares user + sys CPU-seconds of the ffmpeg process (/usr/bin/time). Best of three rounds each,
 * interleaved, so a busy shared machine hits both alike. Target: under 3 % extra.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { planLadder } from '../core/transcode/ladder';
import { buildTranscodeArgs } from '../containers/ingest/src/transcoder/ffmpeg-args';
import { probeSource } from '../containers/ingest/src/transcoder/source-probe';

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 30);

async function cpuOf(args: string[]): Promise<number> {
  const { stderr } = await run('/usr/bin/time', ['-f', 'cpu %U %S', 'ffmpeg', ...args], { maxBuffer: 64 * 1024 * 1024 });
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (!m) throw new Error(`no CPU time in: ${stderr.slice(-300)}`);
  return Number(m[1]) + Number(m[2]);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-thumb-'));
  try {
    const source = join(dir, 'source.flv');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-b:v', '4500k', '-maxrate', '4500k', '-bufsize', '9000k', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', source]);
    const info = await probeSource(await readFile(source));
    const plan = planLadder(info, {});
    const argsFor = async (name: string, thumbnail: boolean) => {
      const outputDir = join(dir, name);
      for (const r of plan.renditions) await mkdir(join(outputDir, r.name), { recursive: true });
      return buildTranscodeArgs(plan, { input: source, inputFormat: 'flv', outputDir, ...(thumbnail ? { thumbnail: { path: join(outputDir, 'thumbnail.jpg'), intervalSeconds: 10 } } : {}) });
    };
    const without: number[] = [];
    const withThumb: number[] = [];
    for (let round = 0; round < 3; round++) {
      without.push(await cpuOf(await argsFor(`a${round}`, false)));
      withThumb.push(await cpuOf(await argsFor(`b${round}`, true)));
    }
    const a = Math.min(...without);
    const b = Math.min(...withThumb);
    console.log(`ladder ${plan.renditions.map((r) => r.name).join(',')} on ${seconds} s of 1080p30`);
    console.log(`without thumbnails: ${without.map((x) => x.toFixed(2)).join(' / ')} CPU-s (best ${a.toFixed(2)})`);
    console.log(`with thumbnails:    ${withThumb.map((x) => x.toFixed(2)).join(' / ')} CPU-s (best ${b.toFixed(2)})`);
    console.log(`extra: ${(((b - a) / a) * 100).toFixed(2)} % (target < 3 %)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
