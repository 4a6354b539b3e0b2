/**
 * `npm run bench:latency-cpu [-- --seconds 20 --repeat 3]`: what low latency costs the ladder. The same
 * 720p30 source as `bench:latency` (x264, keyframes every 2 s, 2.5 Mbps, AAC), planned as a live session
 * plans it (`planLadder`, with `lowLatencyLadder` in `low`) and transcoded with the session's own
 * `buildTranscodeArgs` (thumbnail included) from a file as fast as ffmpeg goes, `normal` and `low`
 * alternating. Measured: CPU-seconds (user + sys of ffmpeg, bash's `time`) per media second; the ratio
 * low/normal of the medians is the figure (target ≤ 1.10). CPU time moves far less with the machine's
 * load than wall time, and alternating runs share whatever load there is.
 * `--segment-seconds 2,1` instead compares normal-mode ladders planned for those segment lengths (same
 * source; `--gop` its keyframe interval, `--source-kbps` its bitrate: above the passthrough cap, 8500, every
 * rung is encoded, the "encoded-only ladder"): CPU-seconds and output bytes per media second, each against
 * the first length's.
 * Must never leave files behind: everything is written under one temp folder, removed at the end.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { planLadder, type LadderPlan } from '../core/transcode/ladder';
import { lowLatencyLadder } from '../containers/ingest/src/packager/ll/low-latency-mode';
import { buildTranscodeArgs } from '../containers/ingest/src/transcoder/ffmpeg-args';
import { probeSource } from '../containers/ingest/src/transcoder/source-probe';
import { readFile } from 'node:fs/promises';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, repeat: { type: 'string', default: '3' }, 'segment-seconds': { type: 'string' }, gop: { type: 'string', default: '2' }, 'source-kbps': { type: 'string', default: '2500' } } });
const SECONDS = Number(values.seconds);
const REPEAT = Number(values.repeat);
const GOP_FRAMES = Math.round(Number(values.gop) * 30);
const SEGMENT_LENGTHS = values['segment-seconds']?.split(',').map(Number);

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-16 * 1024)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(err) : reject(new Error(`${command} exited with ${code}:\n${err.slice(-2000)}`))));
  });
}

/** CPU seconds (user + sys) of one ffmpeg run; bash is used only for its `time` builtin (arguments as "$@"). */
async function cpuOf(args: string[]): Promise<number> {
  const stderr = await run('bash', ['-c', 'TIMEFORMAT="cpu %3U %3S"; time "$@" 2>/dev/null', 'bash', 'ffmpeg', ...args]);
  const m = [...stderr.matchAll(/^cpu ([\d.]+) ([\d.]+)$/gm)].pop();
  if (!m) throw new Error(`no CPU time reported:\n${stderr.slice(-1000)}`);
  return Number(m[1]) + Number(m[2]);
}

async function bytesUnder(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true, recursive: true })) if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return total;
}

/** Normal-mode ladders for each segment length, alternating: CPU-s and output bytes per media second. */
async function compareSegmentLengths(source: string, info: Awaited<ReturnType<typeof probeSource>>, lengths: number[]): Promise<void> {
  const plans = lengths.map((segmentSeconds) => planLadder(info, { segmentSeconds }));
  plans.forEach((p, i) => console.error(`${lengths[i]} s: ${p.reason}; renditions ${p.renditions.map((r) => `${r.name}${r.kind === 'video' && r.passthrough ? ' (copied)' : ''}`).join(', ')}`));
  const cpu = lengths.map(() => [] as number[]);
  const bytes = lengths.map(() => [] as number[]);
  for (let i = 0; i < REPEAT; i++) {
    for (const [k, plan] of plans.entries()) {
      const outputDir = join(dir, `seg-${k}-${i}`);
      for (const r of plan.renditions) await mkdir(join(outputDir, r.name), { recursive: true });
      cpu[k]!.push((await cpuOf(buildTranscodeArgs(plan, { input: source, inputFormat: 'flv', outputDir }))) / SECONDS);
      bytes[k]!.push((await bytesUnder(outputDir)) / SECONDS);
      console.error(`${lengths[k]} s segments run ${i + 1}: ${cpu[k]!.at(-1)!.toFixed(3)} CPU-s, ${(bytes[k]!.at(-1)! * 8 / 1000).toFixed(0)} kbit per media-s`);
      await rm(outputDir, { recursive: true, force: true });
    }
  }
  console.log(`\nnormal-mode ladder per media second by segment length (720p30 source at ${values['source-kbps']} kbps, keyframes every ${values.gop} s, ${SECONDS} s, ${REPEAT} alternating runs)`);
  console.log('segment_s  copied_rung  cpu_s(median)  vs_first  output_kbps(median, all renditions)  vs_first');
  lengths.forEach((len, k) => {
    const copied = plans[k]!.renditions.find((r) => r.kind === 'video' && r.passthrough)?.name ?? '-';
    console.log(`${String(len).padStart(9)}  ${copied.padStart(11)}  ${median(cpu[k]!).toFixed(3).padStart(13)}  ${(median(cpu[k]!) / median(cpu[0]!)).toFixed(3).padStart(8)}  ${(median(bytes[k]!) * 8 / 1000).toFixed(0).padStart(35)}  ${(median(bytes[k]!) / median(bytes[0]!)).toFixed(3).padStart(8)}`);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const dir = await mkdtemp(join(tmpdir(), 'bench-latency-cpu-'));
try {
  const source = join(dir, 'source.flv');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(SECONDS),
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(GOP_FRAMES), '-keyint_min', String(GOP_FRAMES), '-sc_threshold', '0', '-b:v', `${values['source-kbps']}k`, '-maxrate', `${values['source-kbps']}k`, '-bufsize', `${Number(values['source-kbps']) * 2}k`, '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', source]);
  const info = await probeSource((await readFile(source)).subarray(0, 2_000_000));
  if (SEGMENT_LENGTHS) await compareSegmentLengths(source, info, SEGMENT_LENGTHS);
  else await compareModes(source, info);
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** `normal` and `low` alternating: CPU-s per media second and the ratio of the medians. */
async function compareModes(source: string, info: Awaited<ReturnType<typeof probeSource>>): Promise<void> {
  const plans: Record<'normal' | 'low', LadderPlan> = { normal: planLadder(info, {}), low: planLadder(info, lowLatencyLadder({})) };
  console.error(`plan: ${plans.normal.reason}; renditions ${plans.normal.renditions.map((r) => r.name).join(', ')}`);
  const cpu: Record<'normal' | 'low', number[]> = { normal: [], low: [] };
  for (let i = 0; i < REPEAT; i++) {
    for (const mode of ['normal', 'low'] as const) {
      const outputDir = join(dir, `${mode}-${i}`);
      for (const r of plans[mode].renditions) await mkdir(join(outputDir, r.name), { recursive: true });
      const args = buildTranscodeArgs(plans[mode], { input: source, inputFormat: 'flv', outputDir, thumbnail: { path: join(outputDir, 'thumbnail.jpg'), intervalSeconds: 10 }, ...(mode === 'low' ? { lowLatency: true } : {}) });
      cpu[mode].push((await cpuOf(args)) / SECONDS);
      console.error(`${mode} run ${i + 1}: ${cpu[mode].at(-1)!.toFixed(3)} CPU-s per media-s`);
      await rm(outputDir, { recursive: true, force: true });
    }
  }
  console.log(`\nladder CPU per media second (720p30 source, ${SECONDS} s, ${REPEAT} alternating runs each)`);
  console.log('mode    median  min     max');
  for (const mode of ['normal', 'low'] as const) console.log(`${mode.padEnd(7)} ${median(cpu[mode]).toFixed(3)}   ${Math.min(...cpu[mode]).toFixed(3)}   ${Math.max(...cpu[mode]).toFixed(3)}`);
  console.log(`CPU low/normal (medians): ${(median(cpu.low) / median(cpu.normal)).toFixed(3)} (target ≤ 1.10)`);
}
