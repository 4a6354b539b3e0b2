/**
 * `npm run bench:transcode [-- --sources 1,1080p60-6M --seconds 10 --repeat 2 --no-overhead]`: CPU cost
 * and quality of our ladder against a widely copied node-media-server-on-Fargate baseline, one after the
 * other on every kind of source in bench/transcode-matrix.ts (OBS's 1080p30, above the passthrough cap,
 * 1080p60, 1440p and 2160p, a long GOP, 720p, audio only).
 *
 *   ours      the plane's own pipeline: `probeSource` on the first 3 s → `planLadder` (defaults) →
 *             `buildTranscodeArgs`, the same calls a live session makes, reading the file as fast as
 *             possible (no -re). The plan must be the one the matrix expects (passthrough or encoded top).
 *   baseline  one ffmpeg, three HLS outputs (360p/480p/720p), libx264 veryfast main CRF 20 capped.
 *   measured  CPU-seconds (user + sys of the ffmpeg process, from /usr/bin/time or bash `time`) per
 *             media second, best of `--repeat` (2) alternating runs; for the 720p rung of both and our
 *             encoded 1080p rung, Y-PSNR against the source scaled to the rung's size with lanczos (a
 *             scaler neither side uses) and the video bitrate from packet sizes.
 *   steady    both commands, unchanged, also on the source's first 2 s (cut from it without re-encoding):
 *             (whole − first 2 s) / 8 s is the rate a long stream pays, the rest is start-up paid once. The
 *             targets are judged on the whole-run figure; the steady one is printed beside it.
 *   plane     once, on the first passthrough source: the real local plane (its own Node process) fed
 *             over RTMP in real time; the Node process's CPU against its ffmpeg's over a steady window
 *             while live, and the one-off cost of a session (bench/plane-overhead.ts).
 *   alignment frames are compared by index. The baseline's CFR output repeats its first frame once (FLV
 *             timestamps are whole milliseconds); such leading extra frames are trimmed before comparing.
 *
 *   PSNR      the targets are on Y (luma). "PSNR avg" also weighs chroma, where the lanczos reference and
 *             the baseline share swscale's habit of ignoring H.264's left chroma siting and our zimg scaler
 *             does not; that costs ours ~0.5–0.8 dB of chroma PSNR against this reference on saturated
 *             test patterns without being an error (zimg told to assume centre siting matches swscale).
 *
 * Targets (TARGETS in the matrix): ≥ 1.8x less CPU with the top rung passed through, 720p Y-PSNR at most
 * 0.3 dB below the baseline at no higher bitrate; ≥ 1.0x with the top rung encoded; plane overhead < 3 %.
 * Everything runs in a temp folder that is removed afterwards (BENCH_SOURCE_DIR keeps the generated
 * sources between runs); results also go to .bench/transcode.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { planLadder, DEFAULT_PASSTHROUGH_MAX_BITRATE_KBPS, type LadderPlan } from '../core/transcode/ladder';
import { buildTranscodeArgs, SCALE_FILTER, SCALE_PARAMS, X264_CRF, X264_PARAMS, X264_PRESET, X264_TOP_PARAMS, X264_TOP_PRESET } from '../containers/ingest/src/transcoder/ffmpeg-args';
import { readFileHead } from '../containers/ingest/src/packager/file-head';
import { probeSource } from '../containers/ingest/src/transcoder/source-probe';
import { BenchUsageError, cpuTarget, parseBenchArgs, sourceArgs, TARGETS, type MatrixSource } from './transcode-matrix';
import { measurePlaneOverhead, type PlaneOverhead } from './plane-overhead';

/** The baseline's three outputs: (W, H, R, M, B, A) exactly as the issue gives them. */
const BASELINE_RUNGS = [
  [640, 360, '800k', '856k', '1200k', '96k'],
  [842, 480, '1400k', '1498k', '2100k', '128k'],
  [1280, 720, '2800k', '2996k', '4200k', '128k'],
] as const;

/** Seconds cut from the start of a source to tell a command's one-off start-up from its rate. */
const STARTUP_SECONDS = 2;

interface RunResult {
  cpuSeconds: number;
  wallSeconds: number;
}

interface RungQuality {
  /** Null when the rung is the source copied (nothing to compare). */
  psnrY: number | null;
  psnrAvg: number | null;
  videoKbps: number;
  totalKbps: number;
  copied: boolean;
}

interface SourceResult {
  source: string;
  label: string;
  target: MatrixSource['target'];
  mediaSeconds: number;
  ours: RunResult & { cpuPerMediaSecond: number; runs: number[]; topRung: string; reason: string; renditions: string[]; rungKbps: Record<string, number>; rung720?: RungQuality; rung1080?: RungQuality };
  baseline: RunResult & { cpuPerMediaSecond: number; runs: number[]; rung720?: RungQuality };
  /**
   * What a streamed hour pays: both commands, unchanged, also run on the file's first STARTUP_SECONDS (a
   * copy cut from it); the cost of the seconds after that, per media second, and what the start-up cost
   * once (encoder set-up, first frames, the drain at the end) beyond that rate.
   */
  steady?: { ours: number; baseline: number; ratio: number; startupCpuSeconds: { ours: number; baseline: number } };
  /** baseline CPU / ours. */
  cpuRatio: number;
  cpuTarget?: number;
  met: boolean;
  notes: string[];
}

const children = new Set<number>();
process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2), process.env);
  for (const tool of ['ffmpeg', 'ffprobe']) {
    if (spawnSync(tool, ['-version'], { stdio: 'ignore' }).status !== 0) throw new Error(`${tool} is not on PATH`);
  }
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  const keepSources = process.env.BENCH_SOURCE_DIR;
  const work = await mkdtemp(join(tmpdir(), 'streamplane-bench-'));
  const sourceDir = keepSources ?? work;
  await mkdir(sourceDir, { recursive: true });
  console.log(`bench:transcode — ${options.sources.length} sources × ${options.seconds} s, each command ${options.repeat}× (cheapest counts), work folder ${work}`);
  console.log(`ours: x264 preset ${X264_PRESET}, crf ${X264_CRF}, ${X264_PARAMS}; encoded top rung ${X264_TOP_PRESET} ${X264_TOP_PARAMS}; scaler ${SCALE_FILTER} ${SCALE_PARAMS}; passthrough cap ${DEFAULT_PASSTHROUGH_MAX_BITRATE_KBPS} kbps\n`);
  const results: SourceResult[] = [];
  let overhead: (PlaneOverhead & { source: string }) | undefined;
  try {
    for (const source of options.sources) {
      const flv = sourceFile(sourceDir, source, options.seconds);
      if (!existsSync(flv)) {
        const t = Date.now();
        process.stdout.write(`${source.id}: generating ${options.seconds} s … `);
        // Written under a temporary name so an interrupted run never leaves a truncated source behind.
        await run('ffmpeg', sourceArgs(source, options.seconds, `${flv}.part.flv`));
        await rename(`${flv}.part.flv`, flv);
        console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
      results.push(await benchSource(source, flv, join(work, source.id), options.seconds, options.repeat));
    }
    const first = options.sources.find((s) => s.target === 'passthrough');
    if (options.overhead && first) {
      console.log(`\nplane overhead: publishing ${first.id} in real time into the local plane …`);
      const file = results.find((r) => r.source === first.id)?.ours.cpuSeconds;
      // A window twice the file's length: one 10 s window read 4.9–6.1 % in three runs of the same code,
      // as wide as the effects being measured.
      const measured = await measurePlaneOverhead(sourceFile(sourceDir, first, options.seconds), 2 * options.seconds, (pid, alive) => (alive ? children.add(pid) : children.delete(pid)), file, options.seconds);
      overhead = { source: first.id, ...measured };
    }
  } finally {
    killAll();
    await rm(work, { recursive: true, force: true });
  }
  const allMet = printReport(results, overhead);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(
    options.out,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        // 1-minute load average at the start and the end of the run (the machine may be shared).
        loadAverage: { start: loadAtStart, end: loadavg()[0] },
        seconds: options.seconds,
        repeat: options.repeat,
        x264: { preset: X264_PRESET, crf: X264_CRF, params: X264_PARAMS, topPreset: X264_TOP_PRESET, topParams: X264_TOP_PARAMS },
        passthroughMaxBitrateKbps: DEFAULT_PASSTHROUGH_MAX_BITRATE_KBPS,
        targets: TARGETS,
        allMet,
        results,
        ...(overhead ? { planeOverhead: overhead } : {}),
      },
      null,
      2,
    ),
  );
  console.log(`\n(total ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadAtStart!.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end; results in ${options.out})`);
}

function sourceFile(dir: string, source: MatrixSource, seconds: number): string {
  return join(dir, `${source.id}-${seconds}s.flv`);
}

async function benchSource(source: MatrixSource, flv: string, dir: string, seconds: number, repeat: number): Promise<SourceResult> {
  await mkdir(dir, { recursive: true });
  const fps = source.video?.fps ?? 30;
  const sourceFrames = source.video ? await countVideoPackets(flv) : 0;

  // Ours, exactly as a live session plans it, from the first seconds of the stream.
  const plan = planLadder(await probeSource(await readFileHead(flv, headBytes(source))), {});
  if (plan.topRung !== source.expectTop) throw new Error(`${source.id}: the ladder chose top rung "${plan.topRung}" (${plan.reason}), the matrix expects "${source.expectTop}"`);
  const oursDir = join(dir, 'ours');
  const baseDir = join(dir, 'baseline');
  console.log(`${source.id}: ours = ${plan.renditions.map((r) => `${r.name}${r.passthrough ? ' (copy)' : ''}`).join(', ')}; baseline = 720p, 480p, 360p`);
  // The load beside every figure: CPU-seconds move little with other work on the machine, wall time a lot.
  const { oursRuns, baseRuns } = await alternate(plan, flv, oursDir, baseDir, repeat, (i, o, b) => console.log(`  run ${i + 1}: ours ${describeRun(o)}, baseline ${describeRun(b)} (load average ${loadavg()[0]!.toFixed(1)})`));
  const ours = best(oursRuns);
  const baseline = best(baseRuns);
  const notes: string[] = [];
  // Audio only costs too little (~0.1 CPU-s a run) for the difference of two runs to mean anything.
  const steady = source.video && seconds > 2 * STARTUP_SECONDS ? await measureSteady(plan, flv, dir, seconds, repeat, ours, baseline) : undefined;

  const rungKbps: Record<string, number> = {};
  let rung720: RungQuality | undefined;
  let base720: RungQuality | undefined;
  let rung1080: RungQuality | undefined;
  if (source.video) {
    const v = source.video;
    for (const r of plan.renditions.filter((x) => x.kind === 'video')) {
      const file = await concatSegments(await oursSegments(oursDir, r.name), join(dir, `ours-${r.name}.ts`));
      rungKbps[r.name] = Math.round(await videoKbps(file, sourceFrames, fps));
    }
    const ours720 = rendition(plan, '720p');
    const ours1080 = rendition(plan, '1080p');
    const compare: Comparison[] = [];
    if (ours720 && !ours720.passthrough) compare.push({ key: 'ours720', file: join(dir, 'ours-720p.ts'), width: ours720.width!, height: ours720.height! });
    compare.push({ key: 'base720', file: await concatSegments(await hlsSegments(baseDir, '720p'), join(dir, 'baseline-720p.ts')), width: 1280, height: 720 });
    if (ours1080 && !ours1080.passthrough) compare.push({ key: 'ours1080', file: join(dir, 'ours-1080p.ts'), width: ours1080.width!, height: ours1080.height! });
    const psnr = await measurePsnr(compare, flv, sourceFrames, fps);
    const quality = async (key: string, file: string, copied: boolean): Promise<RungQuality> => ({
      psnrY: copied ? null : psnr.get(key)!.y,
      psnrAvg: copied ? null : psnr.get(key)!.avg,
      videoKbps: await videoKbps(file, sourceFrames, fps),
      totalKbps: ((await stat(file)).size * 8) / seconds / 1000,
      copied,
    });
    if (ours720) rung720 = await quality('ours720', join(dir, 'ours-720p.ts'), ours720.passthrough);
    base720 = await quality('base720', join(dir, 'baseline-720p.ts'), false);
    if (ours1080 && !ours1080.passthrough) rung1080 = await quality('ours1080', join(dir, 'ours-1080p.ts'), false);
    if (ours720?.passthrough) notes.push(`720p is the ${v.kbps} kbps source copied: nothing to compare, the viewer gets the source`);
  }

  const cpuRatio = baseline.cpuSeconds / ours.cpuSeconds;
  const target = cpuTarget(source);
  let met = target === undefined || cpuRatio >= target;
  if (source.target === 'passthrough' && rung720 && base720 && !rung720.copied) {
    const psnrOk = base720.psnrY! - rung720.psnrY! <= TARGETS.psnrDropDb;
    const rateOk = rung720.videoKbps <= base720.videoKbps;
    met &&= psnrOk && rateOk;
    if (!psnrOk) notes.push(`720p Y-PSNR ${(base720.psnrY! - rung720.psnrY!).toFixed(2)} dB below the baseline`);
    if (!rateOk) notes.push('720p bitrate above the baseline');
  }
  const perSecond = (r: RunResult) => r.cpuSeconds / seconds;
  return {
    source: source.id,
    label: source.label,
    target: source.target,
    mediaSeconds: seconds,
    ours: {
      ...ours,
      cpuPerMediaSecond: perSecond(ours),
      runs: oursRuns.map((r) => r.cpuSeconds),
      topRung: plan.topRung,
      reason: plan.reason,
      renditions: plan.renditions.map((r) => r.name),
      rungKbps,
      ...(rung720 ? { rung720 } : {}),
      ...(rung1080 ? { rung1080 } : {}),
    },
    baseline: { ...baseline, cpuPerMediaSecond: perSecond(baseline), runs: baseRuns.map((r) => r.cpuSeconds), ...(base720 ? { rung720: base720 } : {}) },
    ...(steady ? { steady } : {}),
    cpuRatio,
    ...(target !== undefined ? { cpuTarget: target } : {}),
    met,
    notes,
  };
}

/** Ours and the baseline on `flv`, alternating `repeat` times (the machine may be shared; interference only adds time). */
async function alternate(plan: LadderPlan, flv: string, oursDir: string, baseDir: string, repeat: number, onPair?: (i: number, ours: RunResult, baseline: RunResult) => void): Promise<{ oursRuns: RunResult[]; baseRuns: RunResult[] }> {
  const oursRuns: RunResult[] = [];
  const baseRuns: RunResult[] = [];
  for (let i = 0; i < repeat; i++) {
    await rm(oursDir, { recursive: true, force: true });
    for (const r of plan.renditions) await mkdir(join(oursDir, r.name), { recursive: true });
    oursRuns.push(await timed(buildTranscodeArgs(plan, { input: flv, inputFormat: 'flv', outputDir: oursDir })));
    await rm(baseDir, { recursive: true, force: true });
    await mkdir(baseDir, { recursive: true });
    baseRuns.push(await timed(baselineArgs(flv, baseDir)));
    onPair?.(i, oursRuns[i]!, baseRuns[i]!);
  }
  return { oursRuns, baseRuns };
}

/**
 * The same two commands on the first STARTUP_SECONDS of the source (cut without re-encoding), best of
 * `repeat` alternating runs: (whole − cut) / (seconds − cut) is the rate a long stream pays per media second.
 */
async function measureSteady(plan: LadderPlan, flv: string, dir: string, seconds: number, repeat: number, ours: RunResult, baseline: RunResult): Promise<NonNullable<SourceResult['steady']>> {
  const cut = join(dir, `first-${STARTUP_SECONDS}s.flv`);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', flv, '-t', String(STARTUP_SECONDS), '-map', '0', '-c', 'copy', '-f', 'flv', cut]);
  const { oursRuns, baseRuns } = await alternate(plan, cut, join(dir, 'ours-start'), join(dir, 'baseline-start'), repeat);
  const rate = (whole: RunResult, start: RunResult) => Math.max(0, whole.cpuSeconds - start.cpuSeconds) / (seconds - STARTUP_SECONDS);
  const oursStart = best(oursRuns);
  const baseStart = best(baseRuns);
  const o = rate(ours, oursStart);
  const b = rate(baseline, baseStart);
  const startup = (start: RunResult, perSecond: number) => Math.max(0, start.cpuSeconds - perSecond * STARTUP_SECONDS);
  const steady = { ours: o, baseline: b, ratio: b / o, startupCpuSeconds: { ours: startup(oursStart, o), baseline: startup(baseStart, b) } };
  console.log(`  ${describeSteady(steady)}`);
  return steady;
}

function describeSteady({ ours, baseline, ratio, startupCpuSeconds: once }: NonNullable<SourceResult['steady']>): string {
  return `steady rate (a long stream; after the first ${STARTUP_SECONDS} s): ours ${ours.toFixed(3)}, baseline ${baseline.toFixed(3)} CPU-s per media-s = ${ratio.toFixed(2)}x less CPU; start-up, once: ours ${once.ours.toFixed(2)}, baseline ${once.baseline.toFixed(2)} CPU-s`;
}

function rendition(plan: LadderPlan, name: string) {
  return plan.renditions.find((r) => r.name === name && r.kind === 'video');
}

/** The probe reads what a live session buffers before planning: about the first 3 s. */
function headBytes(source: MatrixSource): number {
  const kbps = (source.video?.kbps ?? 0) + source.audioKbps;
  return Math.max(256_000, Math.round((kbps * 1000 * 3) / 8 * 1.05));
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

interface Comparison {
  key: string;
  file: string;
  width: number;
  height: number;
}

/** Every file against one decode of the source, scaled with lanczos to each file's size. */
async function measurePsnr(files: Comparison[], flv: string, sourceFrames: number, fps: number): Promise<Map<string, { y: number; avg: number }>> {
  const src = files.length;
  const chains = [`[${src}:v]settb=1/${fps},setpts=N,split=${files.length}${files.map((_, i) => `[s${i}]`).join('')}`];
  for (const [i, f] of files.entries()) {
    const extra = Math.max(0, (await countVideoPackets(f.file)) - sourceFrames);
    chains.push(`[s${i}]scale=${f.width}:${f.height}:flags=lanczos[r${i}]`);
    chains.push(`[${i}:v]trim=start_frame=${extra},settb=1/${fps},setpts=N[o${i}]`);
    chains.push(`[o${i}][r${i}]psnr@${f.key}`);
  }
  const inputs = [...files.map((f) => f.file), flv].flatMap((f) => ['-i', f]);
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-nostats', ...inputs, '-lavfi', chains.join(';'), '-f', 'null', '-']);
  const out = new Map<string, { y: number; avg: number }>();
  for (const f of files) {
    const match = new RegExp(`\\[psnr@${f.key} @ [^\\]]+\\] PSNR y:([\\d.]+|inf) .*average:([\\d.]+|inf)`).exec(stderr);
    if (!match) throw new Error(`no PSNR for ${f.key} in ffmpeg output:\n${stderr.slice(-2000)}`);
    out.set(f.key, { y: Number(match[1]), avg: Number(match[2]) });
  }
  return out;
}

/** Video bits per media second, from the packet sizes (no container or audio). */
async function videoKbps(file: string, sourceFrames: number, fps: number): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', file]);
  const bytes = stdout.split('\n').reduce((sum, line) => sum + (Number.parseInt(line, 10) || 0), 0);
  return (bytes * 8) / (sourceFrames / fps) / 1000;
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
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Already gone, or not a group leader.
      }
    }
  }
  children.clear();
}

function printReport(results: SourceResult[], overhead: (PlaneOverhead & { source: string }) | undefined): boolean {
  const psnr = (q: RungQuality | undefined) => (!q ? '—' : q.copied ? 'copy' : q.psnrY!.toFixed(2));
  const kbps = (q: RungQuality | undefined) => (q ? q.videoKbps.toFixed(0) : '—');
  const rows: string[][] = [['source', 'top rung', 'CPU-s/media-s ours', 'baseline', 'less CPU', 'target', '720p Y-PSNR ours', 'baseline', '720p kbps ours', 'baseline', '1080p Y-PSNR', '1080p kbps']];
  for (const r of results) {
    rows.push([
      r.source,
      r.ours.topRung,
      r.ours.cpuPerMediaSecond.toFixed(3),
      r.baseline.cpuPerMediaSecond.toFixed(3),
      `${r.cpuRatio.toFixed(2)}x`,
      r.cpuTarget !== undefined ? `≥ ${r.cpuTarget.toFixed(1)}x ${mark(r.met)}` : '—',
      psnr(r.ours.rung720),
      psnr(r.baseline.rung720),
      kbps(r.ours.rung720),
      kbps(r.baseline.rung720),
      r.ours.rung1080 ? psnr(r.ours.rung1080) : r.ours.topRung === 'passthrough' && r.ours.renditions.includes('1080p') ? 'copy' : '—',
      r.ours.rung1080 ? kbps(r.ours.rung1080) : r.ours.rungKbps['1080p'] !== undefined ? String(r.ours.rungKbps['1080p']) : '—',
    ]);
  }
  console.log('');
  printTable(rows);
  console.log('');
  for (const r of results) {
    console.log(`${r.source}: ${r.label}`);
    console.log(`      ours: ${r.ours.reason}; video kbps per rung ${Object.entries(r.ours.rungKbps).map(([k, v]) => `${k} ${v}`).join(', ') || '—'}`);
    if (r.steady) console.log(`      ${describeSteady(r.steady)}`);
    for (const note of r.notes) console.log(`      ${note}`);
  }
  let allMet = results.every((r) => r.met);
  if (overhead) {
    const ok = overhead.fraction < TARGETS.planeOverheadFraction;
    allMet &&= ok;
    console.log(
      `\nplane overhead (${overhead.source}, steady: ${overhead.mediaSeconds.toFixed(1)} s while live, published in real time): Node process ${overhead.nodeCpuSeconds.toFixed(2)} CPU-s ` +
        `(idle over the same time: ${overhead.idleNodeCpuSeconds.toFixed(2)}) against ${overhead.childrenCpuSeconds.toFixed(2)} CPU-s of its ffmpeg ` +
        `(the same command on the file, scaled to the window: ${overhead.fileTranscodeCpuSeconds?.toFixed(2) ?? '—'}) = ` +
        `${(overhead.fraction * 100).toFixed(1)} % (target < ${TARGETS.planeOverheadFraction * 100} %) ${mark(ok)}`,
    );
    const threads = overhead.nodeThreads.map((t) => `${t.name} ${t.user.toFixed(2)} user + ${t.system.toFixed(2)} sys`).join(', ');
    console.log(`  Node's share by thread over the window: ${threads || '—'}`);
    const s = overhead.session;
    console.log(
      `  whole session (${s.seconds.toFixed(1)} s from the publisher's start to the stream ending): Node ${s.nodeCpuSeconds.toFixed(2)} CPU-s against ${s.childrenCpuSeconds.toFixed(2)} of ffmpeg + ffprobe; ` +
        `${s.oneOffNodeCpuSeconds.toFixed(2)} CPU-s of it once per session (probe, going live, recording, end) = ${((s.oneOffNodeCpuSeconds / 3600) * 100 / (overhead.childrenCpuSeconds / overhead.mediaSeconds)).toFixed(3)} % over a streamed hour`,
    );
  }
  console.log('\n(targets use Y-PSNR; ratios compare runs made minutes apart on the same machine — on a shared machine only the ratios mean much)');
  console.log(allMet ? 'all targets met' : 'targets NOT all met (see MISSED above)');
  return allMet;
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
  console.error(err instanceof BenchUsageError ? `bench:transcode: ${err.message}` : err instanceof Error ? err.message : err);
  process.exit(err instanceof BenchUsageError ? 2 : 1);
});
