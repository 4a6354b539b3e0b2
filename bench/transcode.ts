/**
 * `npm run bench:transcode`: CPU cost and 720p quality of our ladder against a widely copied
 * node-media-server-on-Fargate baseline, one after the other on the same 20 s 1080p30 sources.
 *
 *   sources   H.264 High 4500 kbps with a keyframe every 2 s + AAC 128 kbps, in FLV (what OBS sends):
 *             easy = lavfi testsrc2, hard = lavfi mandelbrot (fine fractal detail under a steady zoom).
 *   ours      `probeSource` on the first 3 s → `planLadder` (defaults) → `buildTranscodeArgs`, reading
 *             the file as fast as possible (no -re): 1080p passthrough + 720p/480p/360p encoded.
 *   baseline  one ffmpeg, three HLS outputs (360p/480p/720p), libx264 veryfast main CRF 20 capped.
 *   measured  CPU-seconds (user + sys of the ffmpeg process, from /usr/bin/time or bash `time`) per
 *             media second, best of BENCH_REPEAT (2) alternating runs; for the 720p rung, Y-PSNR against the source scaled to 1280x720 with lanczos
 *             (a scaler neither side uses) and the video bitrate from packet sizes.
 *   alignment frames are compared by index. The baseline's CFR output repeats its first frame once (FLV
 *             timestamps are whole milliseconds); such leading extra frames are trimmed before comparing.
 *
 *   PSNR      the target is on Y (luma). "PSNR avg" also weighs chroma, where the lanczos reference and the
 *             baseline share swscale's habit of ignoring H.264's left chroma siting and our zimg scaler
 *             does not; that costs ours ~0.5–0.8 dB of chroma PSNR against this reference on saturated
 *             test patterns without being an error (zimg told to assume centre siting matches swscale).
 *
 * Targets: ours ≥ 1.5x less CPU, and 720p Y-PSNR at most 0.3 dB below the baseline at no higher bitrate.
 * Everything runs in a temp folder that is removed afterwards (BENCH_SOURCE_DIR keeps the generated
 * sources between runs); results also go to .bench/transcode.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planLadder } from '../core/transcode/ladder';
import { buildTranscodeArgs, SCALE_FILTER, SCALE_PARAMS, X264_CRF, X264_PARAMS, X264_PRESET } from '../containers/ingest/src/transcoder/ffmpeg-args';
import { probeSource } from '../containers/ingest/src/transcoder/source-probe';

const SECONDS = 20;
const FPS = 30;
const TARGET_CPU_RATIO = 1.5;
const TARGET_PSNR_DROP_DB = 0.3;
/** Each command runs this many times (alternating); the cheapest run counts. */
const REPEAT = Math.max(1, Math.min(5, Number.parseInt(process.env.BENCH_REPEAT ?? '2', 10) || 2));

interface Source {
  name: 'easy' | 'hard';
  lavfi: string;
}

const SOURCES: Source[] = [
  { name: 'easy', lavfi: `testsrc2=size=1920x1080:rate=${FPS}` },
  { name: 'hard', lavfi: `mandelbrot=size=1920x1080:rate=${FPS}` },
];

/** The baseline's three outputs: (W, H, R, M, B, A) exactly as the issue gives them. */
const BASELINE_RUNGS = [
  [640, 360, '800k', '856k', '1200k', '96k'],
  [842, 480, '1400k', '1498k', '2100k', '128k'],
  [1280, 720, '2800k', '2996k', '4200k', '128k'],
] as const;

interface RunResult {
  cpuSeconds: number;
  wallSeconds: number;
}

interface Rung720 {
  psnrY: number;
  psnrAvg: number;
  videoKbps: number;
  totalKbps: number;
}

interface SourceResult {
  source: string;
  ours: RunResult & { rung720: Rung720; topRung: string; reason: string; rungKbps: Record<string, number> };
  baseline: RunResult & { rung720: Rung720 };
}

const children = new Set<number>();
process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});

async function main(): Promise<void> {
  for (const tool of ['ffmpeg', 'ffprobe']) {
    if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0) throw new Error(`${tool} is not on PATH`);
  }
  const started = Date.now();
  const keepSources = process.env.BENCH_SOURCE_DIR;
  const work = await mkdtemp(join(tmpdir(), 'streamplane-bench-'));
  const sourceDir = keepSources ?? work;
  await mkdir(sourceDir, { recursive: true });
  console.log(`bench:transcode — ${SECONDS} s 1080p${FPS} sources, work folder ${work}`);
  console.log(`ours: x264 preset ${X264_PRESET}, crf ${X264_CRF}, ${X264_PARAMS}, scaler ${SCALE_FILTER} ${SCALE_PARAMS}\n`);
  const results: SourceResult[] = [];
  try {
    // Both at once: mandelbrot is one busy thread, so the easy source's encode fits beside it.
    const t = Date.now();
    const missing = SOURCES.filter((source) => !existsSync(sourceFile(sourceDir, source)));
    if (missing.length > 0) {
      process.stdout.write(`generating sources (${missing.map((m) => m.lavfi).join(', ')}) … `);
      await Promise.all(missing.map((source) => makeSource(source, sourceFile(sourceDir, source))));
      console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    for (const source of SOURCES) results.push(await benchSource(source, sourceFile(sourceDir, source), join(work, source.name)));
  } finally {
    killAll();
    await rm(work, { recursive: true, force: true });
  }
  printReport(results);
  await mkdir('.bench', { recursive: true });
  await writeFile(join('.bench', 'transcode.json'), JSON.stringify({ at: new Date().toISOString(), x264: { preset: X264_PRESET, crf: X264_CRF, params: X264_PARAMS }, results }, null, 2));
  console.log(`\n(total ${((Date.now() - started) / 1000).toFixed(0)} s; results in .bench/transcode.json)`);
}

function sourceFile(dir: string, source: Source): string {
  return join(dir, `${source.name}.flv`);
}

async function makeSource(source: Source, flv: string): Promise<void> {
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', source.lavfi,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(SECONDS),
    // What a streaming encoder sends: CBR-ish H.264 with a keyframe every 2 s, AAC-LC stereo.
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-b:v', '4500k', '-maxrate', '4500k', '-bufsize', '9000k',
    '-g', String(2 * FPS), '-keyint_min', String(2 * FPS), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
    '-f', 'flv', flv,
  ]);
}

async function benchSource(source: Source, flv: string, dir: string): Promise<SourceResult> {
  await mkdir(dir, { recursive: true });
  const sourceFrames = await countVideoPackets(flv);

  // Ours, exactly as a live session plans it, from the first seconds of the stream.
  const head = await readHead(flv, 3_000_000);
  const plan = planLadder(await probeSource(head), {});
  const oursDir = join(dir, 'ours');
  const baseDir = join(dir, 'baseline');
  console.log(`${source.name}: ours = ${plan.renditions.map((r) => `${r.name}${r.passthrough ? ' (copy)' : ''}`).join(', ')}; baseline = 720p, 480p, 360p`);
  // Alternating runs, best of each: the machine may be shared, and interference only ever adds time.
  const oursRuns: RunResult[] = [];
  const baseRuns: RunResult[] = [];
  for (let i = 0; i < REPEAT; i++) {
    await rm(oursDir, { recursive: true, force: true });
    for (const r of plan.renditions) await mkdir(join(oursDir, r.name), { recursive: true });
    oursRuns.push(await timed(buildTranscodeArgs(plan, { input: flv, inputFormat: 'flv', outputDir: oursDir })));
    await rm(baseDir, { recursive: true, force: true });
    await mkdir(baseDir, { recursive: true });
    baseRuns.push(await timed(baselineArgs(flv, baseDir)));
    console.log(`  run ${i + 1}: ours ${describeRun(oursRuns[i]!)}, baseline ${describeRun(baseRuns[i]!)}`);
  }
  const ours = best(oursRuns);
  const baseline = best(baseRuns);

  const ours720 = await concatSegments(await oursSegments(oursDir, '720p'), join(dir, 'ours-720p.ts'));
  const base720 = await concatSegments(await hlsSegments(baseDir, '720p'), join(dir, 'baseline-720p.ts'));
  const rung720 = await measure720({ ours: ours720, baseline: base720 }, flv, sourceFrames);
  const rungKbps: Record<string, number> = {};
  for (const r of plan.renditions.filter((x) => x.kind === 'video')) {
    const file = await concatSegments(await oursSegments(oursDir, r.name), join(dir, `ours-${r.name}.ts`));
    rungKbps[r.name] = Math.round(await videoKbps(file, sourceFrames));
  }
  return {
    source: source.name,
    ours: { ...ours, topRung: plan.topRung, reason: plan.reason, rungKbps, rung720: rung720.ours },
    baseline: { ...baseline, rung720: rung720.baseline },
  };
}

function best(runs: RunResult[]): RunResult {
  return runs.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
}

function describeRun(r: RunResult): string {
  return `${r.cpuSeconds.toFixed(1)} CPU-s in ${r.wallSeconds.toFixed(1)} s`;
}

function baselineArgs(flv: string, dir: string): string[] {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', flv];
  for (const [w, h, r, m, b, a] of BASELINE_RUNGS) {
    args.push(
      '-vf', `scale=w=${w}:h=${h}:force_original_aspect_ratio=decrease`,
      '-c:a', 'aac', '-ar', '48000',
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-crf', '20',
      '-sc_threshold', '0', '-g', '48', '-keyint_min', '48',
      '-hls_time', '4', '-hls_list_size', '6', '-hls_flags', 'delete_segments',
      '-b:v', r, '-maxrate', m, '-bufsize', b, '-b:a', a,
      join(dir, `${h}p.m3u8`),
    );
  }
  return args;
}

/** Both 720p outputs against one decode of the source, scaled once to 1280x720 with lanczos. */
async function measure720(files: { ours: string; baseline: string }, flv: string, sourceFrames: number): Promise<{ ours: Rung720; baseline: Rung720 }> {
  const align = async (file: string) => {
    const extra = Math.max(0, (await countVideoPackets(file)) - sourceFrames);
    return `trim=start_frame=${extra},settb=1/${FPS},setpts=N`;
  };
  const graph =
    `[2:v]scale=1280:720:flags=lanczos,settb=1/${FPS},setpts=N,split[r0][r1];` +
    `[0:v]${await align(files.ours)}[o];[1:v]${await align(files.baseline)}[b];` +
    '[o][r0]psnr@ours;[b][r1]psnr@baseline';
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-nostats', '-i', files.ours, '-i', files.baseline, '-i', flv, '-lavfi', graph, '-f', 'null', '-']);
  const measure = async (name: 'ours' | 'baseline'): Promise<Rung720> => {
    const match = new RegExp(`\\[psnr@${name} @ [^\\]]+\\] PSNR y:([\\d.]+|inf) .*average:([\\d.]+|inf)`).exec(stderr);
    if (!match) throw new Error(`no PSNR for ${name} in ffmpeg output:\n${stderr.slice(-2000)}`);
    const file = files[name];
    return {
      psnrY: Number(match[1]),
      psnrAvg: Number(match[2]),
      videoKbps: await videoKbps(file, sourceFrames),
      totalKbps: ((await stat(file)).size * 8) / SECONDS / 1000,
    };
  };
  return { ours: await measure('ours'), baseline: await measure('baseline') };
}

/** Video bits per media second, from the packet sizes (no container or audio). */
async function videoKbps(file: string, sourceFrames: number): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', file]);
  const bytes = stdout.split('\n').reduce((sum, line) => sum + (Number.parseInt(line, 10) || 0), 0);
  return (bytes * 8) / (sourceFrames / FPS) / 1000;
}

async function countVideoPackets(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file]);
  const n = Number.parseInt(stdout.trim().split('\n')[0] ?? '', 10);
  if (!Number.isFinite(n)) throw new Error(`could not count packets of ${file}`);
  return n;
}

/** Our segments of a rendition, in the order the CSV list gives them (checks the list is complete). */
async function oursSegments(outputDir: string, rendition: string): Promise<string[]> {
  const csv = await readFile(join(outputDir, rendition, 'segments.csv'), 'utf8');
  const names = csv.split('\n').filter(Boolean).map((line) => line.split(',')[0]!);
  const onDisk = (await readdir(join(outputDir, rendition))).filter((f) => f.endsWith('.ts'));
  if (names.length === 0 || names.length !== onDisk.length) throw new Error(`${rendition}: ${names.length} listed segments, ${onDisk.length} files`);
  return names.map((n) => join(outputDir, rendition, n));
}

async function hlsSegments(dir: string, rendition: string): Promise<string[]> {
  const playlist = await readFile(join(dir, `${rendition}.m3u8`), 'utf8');
  return playlist.split('\n').filter((l) => l.endsWith('.ts')).map((l) => join(dir, l.trim()));
}

/** MPEG-TS segments of one run concatenate into one valid stream. */
async function concatSegments(files: string[], out: string): Promise<string> {
  const handle = await open(out, 'w');
  try {
    for (const f of files) await handle.write(await readFile(f));
  } finally {
    await handle.close();
  }
  return out;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Runs ffmpeg and reports the CPU time of that process (not ours): /usr/bin/time, else bash's `time`. */
async function timed(args: string[]): Promise<RunResult> {
  const t = Date.now();
  let cpuSeconds: number;
  if (existsSync('/usr/bin/time')) {
    const { stderr } = await run('/usr/bin/time', ['-f', 'cpu %U %S', 'ffmpeg', ...args]);
    cpuSeconds = parseCpu(stderr);
  } else {
    const { stderr } = await run('bash', ['-c', 'TIMEFORMAT="cpu %3U %3S"; time "$@"', 'bash', 'ffmpeg', ...args]);
    cpuSeconds = parseCpu(stderr);
  }
  return { cpuSeconds, wallSeconds: (Date.now() - t) / 1000 };
}

function parseCpu(stderr: string): number {
  const lines = [...stderr.matchAll(/^cpu ([\d.]+) ([\d.]+)$/gm)];
  const last = lines[lines.length - 1];
  if (!last) throw new Error(`no CPU time reported:\n${stderr.slice(-2000)}`);
  return Number(last[1]) + Number(last[2]);
}

/**
 * Spawns without a shell (bash only for its `time` builtin, arguments passed as "$@"), in its own
 * process group so an interrupted bench can kill the whole tree, and keeps only the tail of stderr.
 */
function run(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const pid = child.pid;
    if (pid !== undefined) children.add(pid);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString('utf8')).slice(-64 * 1024);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (pid !== undefined) children.delete(pid);
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) resolve({ stdout, stderr: err });
      else reject(new Error(`${command} ${args.slice(0, 6).join(' ')} … exited with ${code}:\n${err.slice(-2000)}`));
    });
  });
}

function killAll(): void {
  for (const pid of children) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  children.clear();
}

function printReport(results: SourceResult[]): void {
  const rows: string[][] = [['source', 'run', 'CPU-s / media-s', 'speed', '720p Y-PSNR', '720p PSNR avg', '720p video kbps', '720p total kbps']];
  for (const r of results) {
    for (const [label, x] of [['ours', r.ours], ['baseline', r.baseline]] as const) {
      rows.push([
        r.source,
        label,
        (x.cpuSeconds / SECONDS).toFixed(3),
        `${(SECONDS / x.wallSeconds).toFixed(2)}x`,
        x.rung720.psnrY.toFixed(2),
        x.rung720.psnrAvg.toFixed(2),
        x.rung720.videoKbps.toFixed(0),
        x.rung720.totalKbps.toFixed(0),
      ]);
    }
  }
  console.log('');
  printTable(rows);
  console.log('');
  let allMet = true;
  for (const r of results) {
    const ratio = r.baseline.cpuSeconds / r.ours.cpuSeconds;
    const drop = r.baseline.rung720.psnrY - r.ours.rung720.psnrY;
    const cpuOk = ratio >= TARGET_CPU_RATIO;
    const psnrOk = drop <= TARGET_PSNR_DROP_DB;
    const rateOk = r.ours.rung720.videoKbps <= r.baseline.rung720.videoKbps;
    allMet &&= cpuOk && psnrOk && rateOk;
    console.log(
      `${r.source}: CPU ratio ${ratio.toFixed(2)}x (target ≥ ${TARGET_CPU_RATIO}x) ${mark(cpuOk)}; ` +
        `720p PSNR ${drop <= 0 ? '+' : '-'}${Math.abs(drop).toFixed(2)} dB vs baseline (target ≥ -${TARGET_PSNR_DROP_DB}) ${mark(psnrOk)}; ` +
        `720p bitrate ${r.ours.rung720.videoKbps.toFixed(0)} vs ${r.baseline.rung720.videoKbps.toFixed(0)} kbps ${mark(rateOk)}`,
    );
    console.log(`      ours: ${r.ours.reason}; video kbps per rung ${Object.entries(r.ours.rungKbps).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  console.log('\n(targets use Y-PSNR; PSNR avg includes chroma, see the note at the top of bench/transcode.ts)');
  console.log(`${allMet ? 'all targets met' : 'targets NOT all met (see MISSED above)'} on ${results.map((r) => r.source).join(' and ')}`);
}

function mark(ok: boolean): string {
  return ok ? 'ok' : 'MISSED';
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, j) => (j < 2 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

main().catch((err: unknown) => {
  killAll();
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

