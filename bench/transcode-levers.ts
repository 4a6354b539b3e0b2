/**
 * `node --import tsx bench/transcode-levers.ts --source <id> [--seconds 10] [--repeat 2] [variant …]`:
 * measures tuning levers of our ladder on one matrix source, so the settings in ffmpeg-args.ts rest on
 * figures, not guesses. Each variant is the plane's own command (probe → planLadder → buildTranscodeArgs)
 * with one change applied to the argument list (threads, top-rung preset/refs/lookahead, rate control);
 * runs alternate between variants, the cheapest run of each counts, and every variant's 720p and 1080p
 * Y-PSNR (against the source scaled with lanczos) and video bitrate are printed next to its CPU.
 *
 * An experiment tool: it never changes what the plane runs. Sources come from BENCH_SOURCE_DIR (made by
 * `npm run bench:transcode`) or are generated into a temp folder that is removed afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, rename } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { planLadder } from '../core/transcode/ladder';
import { buildTranscodeArgs } from '../containers/ingest/src/transcoder/ffmpeg-args';
import { probeSource } from '../containers/ingest/src/transcoder/source-probe';
import { MATRIX, sourceArgs } from './transcode-matrix';

type Edit = (args: string[]) => string[];

/** The x264 options of the output fed by filter label `[v<rung>]`: from its -map to the next -map of video. */
function onRung(rung: string, edit: (outputArgs: string[]) => string[]): Edit {
  return (args) => {
    const start = args.findIndex((a, i) => a === `[v${rung}]` && args[i - 1] === '-map');
    if (start < 0) return args;
    let end = args.indexOf('-f', start);
    if (end < 0) end = args.length;
    return [...args.slice(0, start + 1), ...edit(args.slice(start + 1, end)), ...args.slice(end)];
  };
}

function setOption(name: string, value: string): (a: string[]) => string[] {
  return (a) => {
    const i = a.indexOf(name);
    if (i >= 0) return [...a.slice(0, i + 1), value, ...a.slice(i + 2)];
    return [...a, name, value];
  };
}

function x264Param(key: string, value: string): (a: string[]) => string[] {
  return (a) => {
    const i = a.indexOf('-x264-params');
    const params = (a[i + 1] ?? '').split(':').filter((p) => p && !p.startsWith(`${key}=`));
    return [...a.slice(0, i + 1), [...params, `${key}=${value}`].join(':'), ...a.slice(i + 2)];
  };
}

/** After every `-c:v libx264`. */
function everyEncoder(extra: string[]): Edit {
  return (args) => args.flatMap((a, i) => (a === 'libx264' && args[i - 1] === '-c:v' ? [a, ...extra] : [a]));
}

function beforeInput(extra: string[]): Edit {
  return (args) => {
    const i = args.indexOf('-i');
    return [...args.slice(0, i), ...extra, ...args.slice(i)];
  };
}

/** A rung at the source's own size needs no scaler: drop that zscale (the graph's first, from 0:v:0). */
const noSameSizeScale: Edit = (args) => {
  const i = args.indexOf('-filter_complex');
  if (i < 0) return args;
  const graph = args[i + 1]!.replace(/^\[0:v:0\]zscale=w=1920:h=1080:[^,;\[]*(,|(?=\[))/, (_m, comma: string) => (comma ? '[0:v:0]' : '[0:v:0]null'));
  return [...args.slice(0, i + 1), graph, ...args.slice(i + 2)];
};

const top = (edit: (a: string[]) => string[]) => onRung('1080p', edit);
const LOW = ['480p', '360p'];
const low = (edit: (a: string[]) => string[]): Edit => (a) => LOW.reduce((acc, r) => onRung(r, edit)(acc), a);
const everyRung = (edit: (a: string[]) => string[]): Edit => (a) => ['1080p', '720p', ...LOW].reduce((acc, r) => onRung(r, edit)(acc), a);

/** Rewrites the filter graph (the one `-filter_complex` argument). */
function graphEdit(edit: (graph: string) => string): Edit {
  return (args) => {
    const i = args.indexOf('-filter_complex');
    if (i < 0) return args;
    return [...args.slice(0, i + 1), edit(args[i + 1]!), ...args.slice(i + 2)];
  };
}

/** The scaler of the 480p/360p chains (`zscale=w=…:h=480|360:…`) replaced by `filter`. */
function lowScaler(filter: (w: string, h: string) => string): Edit {
  return graphEdit((g) => g.replace(/zscale=w=(\d+):h=(480|360):filter=[^,;\[]*/g, (_m, w: string, h: string) => filter(w, h)));
}

/**
 * 480p/360p at half the frame rate of a 60 fps source (Apple's HLS authoring spec lets lower tiers run at
 * a lower rate): every other frame dropped before the scaler (the source's keyframes sit on even frames),
 * and the GOP halved so keyframes stay 2 s apart.
 */
const lowHalfFps: Edit = (args) => {
  const decimated = graphEdit((g) => g.replace(/(\[[^\]]+\])zscale=w=(\d+):h=(480|360):/g, (_m, from: string, w: string, h: string) => `${from}select='not(mod(n,2))',zscale=w=${w}:h=${h}:`))(args);
  return low((a) => {
    const g = a.indexOf('-g');
    const half = String(Math.round(Number(a[g + 1]) / 2));
    return setOption('-keyint_min', half)(setOption('-g', half)(a));
  })(decimated);
};

function threadsPerRung(threads: Record<string, string>): Edit {
  return (a) => Object.entries(threads).reduce((acc, [rung, n]) => onRung(rung, (o) => ['-threads', n, ...o])(acc), a);
}
const VARIANTS: Record<string, Edit> = {
  default: (a) => a,
  'threads-1': everyEncoder(['-threads', '1']),
  'threads-2': everyEncoder(['-threads', '2']),
  'lookahead-threads-1': (a) => ['1080p', '720p', '480p', '360p'].reduce((acc, r) => onRung(r, x264Param('lookahead-threads', '1'))(acc), a),
  'sliced-threads': (a) => ['1080p', '720p', '480p', '360p'].reduce((acc, r) => onRung(r, x264Param('sliced-threads', '1'))(acc), a),
  'decode-threads-1': beforeInput(['-threads', '1']),
  'decode-threads-2': beforeInput(['-threads', '2']),
  'decode-threads-auto': decoderThreadsAuto,
  'filter-threads-1': beforeInput(['-filter_complex_threads', '1']),
  'no-same-size-scale': noSameSizeScale,
  'top-ref-1': top(x264Param('ref', '1')),
  'top-no-mbtree': top((a) => x264Param('rc-lookahead', '0')(x264Param('mbtree', '0')(a))),
  'top-no-p8x8': top(x264Param('partitions', 'i8x8,i4x4')),
  'top-ultrafast': top((a) => x264Param('partitions', 'none')(x264Param('ref', '1')(setOption('-preset', 'ultrafast')(a)))),
  'top-ref1-p8x8-off': top((a) => x264Param('partitions', 'i8x8,i4x4')(x264Param('ref', '1')(a))),
  'top-ref1-me-dia-subme1': top((a) => x264Param('subme', '1')(x264Param('ref', '1')(a))),
  'top-crf-23': top(setOption('-crf', '23')),
  'top-no-cabac': top(x264Param('cabac', '0')),
  'top-no-deblock': top(x264Param('no-deblock', '1')),
  'top-bframes-0': top(x264Param('bframes', '0')),
  // Round 2 (issue 16, encode path): decoder, scaler, lookahead, threading and preset per rung.
  'decode-fast': beforeInput(['-flags2', 'fast']),
  'decode-skip-loop-noref': beforeInput(['-skip_loop_filter', 'noref']),
  'decode-skip-loop-bidir': beforeInput(['-skip_loop_filter', 'bidir']),
  'decode-skip-loop-all': beforeInput(['-skip_loop_filter', 'all']),
  'low-zimg-bilinear': lowScaler((w, h) => `zscale=w=${w}:h=${h}:filter=bilinear`),
  'low-sws-bilinear': lowScaler((w, h) => `scale=w=${w}:h=${h}:flags=bilinear`),
  'low-sws-bicubic': lowScaler((w, h) => `scale=w=${w}:h=${h}:flags=bicubic`),
  'low-sws-fast-bilinear': lowScaler((w, h) => `scale=w=${w}:h=${h}:flags=fast_bilinear`),
  'low-half-fps': lowHalfFps,
  // The plan's own lever (core/transcode/ladder.ts lowTierMaxFps): 480p/360p at the source's 60 fps.
  'low-source-fps': (a) => a,
  'rc-lookahead-5': everyRung(x264Param('rc-lookahead', '5')),
  'sync-lookahead-0': everyRung(x264Param('sync-lookahead', '0')),
  'lookahead-threads-1-sync-0': everyRung((a) => x264Param('sync-lookahead', '0')(x264Param('lookahead-threads', '1')(a))),
  'threads-sized': threadsPerRung({ '1080p': '3', '720p': '2', '480p': '1', '360p': '1' }),
  'threads-sized-2': threadsPerRung({ '1080p': '2', '720p': '2', '480p': '1', '360p': '1' }),
  'low-threads-1': threadsPerRung({ '480p': '1', '360p': '1' }),
  'low-sliced': low(x264Param('sliced-threads', '1')),
  'low-ultrafast': low(setOption('-preset', 'ultrafast')),
  'low-ref-1': low(x264Param('ref', '1')),
  'low-no-mbtree': low((a) => x264Param('rc-lookahead', '0')(x264Param('mbtree', '0')(a))),
  'low-no-p8x8': low(x264Param('partitions', 'i8x8,i4x4')),
  'low-subme-0': low(x264Param('subme', '0')),
  '720p-ref1-p8x8-off': onRung('720p', (a) => x264Param('partitions', 'i8x8,i4x4')(x264Param('ref', '1')(a))),
  '720p-ref-1': onRung('720p', x264Param('ref', '1')),
  // Round 6 (issue 16): cheaper x264 work on every rung, aimed at easy passthrough content.
  'b-adapt-0': everyRung(x264Param('b-adapt', '0')),
  'weightp-0': everyRung(x264Param('weightp', '0')),
  'no-8x8dct': everyRung(x264Param('8x8dct', '0')),
  'no-deblock': everyRung(x264Param('no-deblock', '1')),
};

/** The decoder's default threads: drops a `-threads` given before the input. */
function decoderThreadsAuto(args: string[]): string[] {
  const input = args.indexOf('-i');
  const i = args.indexOf('-threads');
  return i >= 0 && i < input ? [...args.slice(0, i), ...args.slice(i + 2)] : args;
}

/** Variants combine with `+`: `lookahead-threads-1+low-half-fps` applies both edits, left to right. */
function variant(name: string): Edit | undefined {
  const edits = name.split('+').map((n) => VARIANTS[n]);
  if (edits.some((e) => !e)) return undefined;
  return (args) => edits.reduce((acc, e) => e!(acc), args);
}

const children = new Set<number>();

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    if (child.pid) children.add(child.pid);
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-64 * 1024)));
    child.once('error', reject);
    child.once('close', (code) => {
      if (child.pid) children.delete(child.pid);
      if (code === 0) resolve(err);
      else reject(new Error(`${command} exited with ${code}:\n${err.slice(-1500)}`));
    });
  });
}

/** CPU-seconds (user + system) and wall-clock seconds of one ffmpeg run. */
async function cpuOf(args: string[]): Promise<{ cpu: number; wall: number }> {
  const err = await run('/usr/bin/time', ['-f', 'cpu %U %S %e', 'ffmpeg', ...args]);
  const m = [...err.matchAll(/^cpu ([\d.]+) ([\d.]+) ([\d.]+)$/gm)].pop();
  if (!m) throw new Error(`no CPU time:\n${err.slice(-1000)}`);
  return { cpu: Number(m[1]) + Number(m[2]), wall: Number(m[3]) };
}

async function concat(dir: string, rung: string, out: string): Promise<string | undefined> {
  if (!existsSync(join(dir, rung, 'segments.csv'))) return undefined;
  const names = (await readFile(join(dir, rung, 'segments.csv'), 'utf8')).split('\n').filter(Boolean).map((l) => l.split(',')[0]!);
  const h = await open(out, 'w');
  try {
    for (const n of names) await h.write(await readFile(join(dir, rung, n)));
  } finally {
    await h.close();
  }
  return out;
}

/** Rungs whose Y-PSNR the bench prints (480p/360p too: per-rung levers change them). */
const LEVER_PSNR_RUNGS = ['1080p', '720p', '480p', '360p'];

/**
 * Y-PSNR of a rung against the source scaled to its size with lanczos, frames paired by timestamp (the
 * rung drives: a half-rate rung is compared with the source frame shown at the same instant).
 */
async function quality(file: string, flv: string, width: number, height: number, seconds: number): Promise<string> {
  const err = await run('ffmpeg', ['-hide_banner', '-nostdin', '-nostats', '-i', file, '-i', flv, '-lavfi', `[1:v]scale=${width}:${height}:flags=lanczos,setpts=PTS-STARTPTS[r];[0:v]setpts=PTS-STARTPTS[o];[o][r]psnr`, '-f', 'null', '-']);
  const y = /PSNR y:([\d.]+|inf)/.exec(err)?.[1] ?? '?';
  const probe = await new Promise<string>((resolve, reject) => {
    const c = spawn('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', file], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('error', reject);
    c.once('close', () => resolve(out));
  });
  const bytes = probe.split('\n').reduce((s, l) => s + (Number.parseInt(l, 10) || 0), 0);
  return `${y} dB ${Math.round((bytes * 8) / seconds / 1000)} kbps`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    if (i < 0) return fallback;
    const v = argv[i + 1]!;
    argv.splice(i, 2);
    return v;
  };
  const id = opt('--source', '1080p30-10M');
  const seconds = Number(opt('--seconds', '10'));
  const repeat = Number(opt('--repeat', '2'));
  const names = argv.length > 0 ? argv : Object.keys(VARIANTS);
  const source = MATRIX.find((s) => s.id === id);
  if (!source?.video) throw new Error(`unknown video source ${id}; known: ${MATRIX.filter((s) => s.video).map((s) => s.id).join(', ')}`);
  for (const n of names) if (!variant(n)) throw new Error(`unknown variant ${n}; known: ${Object.keys(VARIANTS).join(', ')}`);
  const work = await mkdtemp(join(tmpdir(), 'streamplane-levers-'));
  try {
    const dir = process.env.BENCH_SOURCE_DIR ?? work;
    const flv = join(dir, `${source.id}-${seconds}s.flv`);
    if (!existsSync(flv)) {
      await run('ffmpeg', sourceArgs(source, seconds, `${flv}.part.flv`));
      await rename(`${flv}.part.flv`, flv);
    }
    const h = await open(flv, 'r');
    const head = Buffer.alloc(Math.round(((source.video.kbps + 128) * 1000 * 3) / 8 * 1.05));
    const { bytesRead } = await h.read(head, 0, head.length, 0);
    await h.close();
    const probed = await probeSource(head.subarray(0, bytesRead));
    const plan = planLadder(probed, {});
    const sourceFpsPlan = planLadder(probed, { lowTierMaxFps: Infinity });
    console.log(`${source.id}: ${plan.reason}; ${seconds} s, best of ${repeat}`);
    const cpu = new Map<string, number>();
    for (let i = 0; i < repeat; i++) {
      for (const n of names) {
        const out = join(work, n);
        await rm(out, { recursive: true, force: true });
        for (const r of plan.renditions) await mkdir(join(out, r.name), { recursive: true });
        const args = variant(n)!(buildTranscodeArgs(n.split('+').includes('low-source-fps') ? sourceFpsPlan : plan, { input: flv, inputFormat: 'flv', outputDir: out }));
        const { cpu: c, wall } = await cpuOf(args);
        console.log(`  run ${i + 1} ${n}: ${(c / seconds).toFixed(3)} CPU-s/s, ${wall.toFixed(1)} s wall (load average ${loadavg()[0]!.toFixed(1)})`);
        cpu.set(n, Math.min(cpu.get(n) ?? Infinity, c));
      }
    }
    const base = cpu.get(names[0]!)!;
    for (const n of names) {
      const out = join(work, n);
      const parts: string[] = [];
      for (const r of plan.renditions.filter((x) => x.kind === 'video' && !x.passthrough && LEVER_PSNR_RUNGS.includes(x.name ?? ''))) {
        const file = await concat(out, r.name, join(work, `${n}-${r.name}.ts`));
        if (file) parts.push(`${r.name} ${await quality(file, flv, r.width!, r.height!, seconds)}`);
      }
      console.log(`${n.padEnd(24)} ${(cpu.get(n)! / seconds).toFixed(3)} CPU-s/s  ${((cpu.get(n)! / base - 1) * 100).toFixed(1).padStart(6)} %  ${parts.join('; ')}`);
    }
  } finally {
    for (const pid of children) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
