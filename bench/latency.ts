/**
 * `npm run bench:latency`: glass-to-glass latency and time to playable, `normal` vs `low` (LL-HLS), as a
 * viewer sees them, and where the time goes. A local plane runs in this process; ffmpeg publishes a
 * 720p30 test source (OBS-like: x264 veryfast, keyframes every 2 s) with the frame number burned into the
 * picture; hls.js at its defaults plays the stream in Debian's Chromium and the page reads the number off
 * the displayed frame every 250 ms. Latency = now − when that frame was made (frame n at t0 + n/30 s,
 * `-re`, t0 from ffmpeg's own progress reports).
 * Two viewers per mode: one opens the page as soon as the master is playable ("at live"), one joins
 * mid-stream (`--late` s later), because hls.js starts a viewer differently when the playlist holds only
 * one segment (it cannot start further back than the playlist's start) than once the window is full.
 * The stage budget per segment (or part) joins server times (closed on scratch, listed in the playlist:
 * bench/latency-stages.ts) with the player's (requested, buffered: bench/latency-page.ts).
 * Also the transcoder's CPU seconds per media second (from /proc) in each mode.
 * Figures depend on the machine's load (printed beside them): compare stages and modes within one run.
 * `--gop` sets the publisher's keyframe interval (default 2 s, the usual recommendation) and
 * `--segment-seconds` the plane's STREAMPLANE_SEGMENT_SECONDS (default 2), to measure e.g. 1 s segments;
 * `--segment-objects round` the cloud default's one object per segment round (STREAMPLANE_SEGMENT_OBJECTS;
 * the local plane's default is `rendition`), to see what a round's wait costs the copied rung.
 * Usage: npm run bench:latency [-- --seconds 60 --late 20 --modes normal,low --gop 2 --segment-seconds 2 --segment-objects rendition]
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser';
import { startPlayerSite } from '../test/support/player-site';
import { startTestPlane, type TestPlane } from '../test/support/plane';
import { COUNTER_BITS, COUNTER_BOX, viewerPage, type PageLog } from './latency-page';
import { StageRecorder } from './latency-stages';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, late: { type: 'string', default: '20' }, modes: { type: 'string', default: 'normal,low' }, gop: { type: 'string', default: '2' }, 'segment-seconds': { type: 'string', default: '2' }, 'segment-objects': { type: 'string', default: 'rendition' }, 'hls-log': { type: 'boolean', default: false } } });
const PUBLISH_SECONDS = Number(values.seconds);
const LATE_JOIN_SECONDS = Number(values.late);
const MODES = String(values.modes).split(',') as Array<'normal' | 'low'>;
const FPS = 30;
const GOP_FRAMES = Math.round(Number(values.gop) * FPS);
const SEGMENT_SECONDS = String(values['segment-seconds']);
const SEGMENT_OBJECTS = String(values['segment-objects']);

interface Viewer {
  join: 'at live' | 'mid-stream';
  page: Page;
  startedAt: number;
  samples: number[];
  /** When each sample was taken and the frame number it showed (the budget's "displayed" times). */
  frames: Array<{ at: number; n: number }>;
  log?: PageLog;
}

interface ModeResult {
  mode: 'normal' | 'low';
  playableMs: number;
  stages: Record<string, number | string | undefined> | undefined;
  spawnedAt: number;
  t0: number | undefined;
  viewers: Viewer[];
  recorder: StageRecorder;
  renditions: string[];
  passthrough: string | undefined;
  cpuPerMediaSecond: number | undefined;
  load: { start: number; end: number };
}

function counterFilter(): string {
  const boxes = Array.from({ length: COUNTER_BITS }, (_, k) => `drawbox=x=${k * COUNTER_BOX}:y=0:w=${COUNTER_BOX}:h=${COUNTER_BOX}:color=white:t=fill:enable='mod(floor(n/${2 ** k}),2)'`);
  return [`drawbox=x=0:y=0:w=${COUNTER_BITS * COUNTER_BOX}:h=${COUNTER_BOX}:color=black:t=fill`, ...boxes].join(',');
}

function startEncoder(url: string): { t0: () => number | undefined; spawnedAt: number; stop(): Promise<void> } {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FPS},${counterFilter()}`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(PUBLISH_SECONDS), '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(GOP_FRAMES), '-keyint_min', String(GOP_FRAMES), '-sc_threshold', '0', '-b:v', '2500k',
    '-c:a', 'aac', '-b:a', '128k', '-progress', 'pipe:1', '-stats_period', '0.5', '-f', 'flv', url];
  const spawnedAt = Date.now();
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let t0: number | undefined;
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^out_time_us=(\d+)/.exec(line);
      // ffmpeg emits frames no earlier than their schedule: the smallest (now − media time) is when frame 0 was made.
      if (m && Number(m[1]) > 0) t0 = Math.min(t0 ?? Infinity, Date.now() - Number(m[1]) / 1000);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { t0: () => t0, spawnedAt, stop: async () => { if (child.exitCode === null) child.kill('SIGTERM'); await exited; } };
}

async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks (USER_HZ = 100)
}

async function openViewer(browser: Browser, siteUrl: string, src: string, join: Viewer['join']): Promise<Viewer> {
  const page = await browser.newPage();
  await page.goto(siteUrl);
  const startedAt = Date.now();
  await page.evaluate((s) => (window as unknown as { start(s: string): void }).start(s), src);
  return { join, page, startedAt, samples: [], frames: [] };
}

async function measure(t: TestPlane, browser: Browser, siteUrl: string, mode: 'normal' | 'low'): Promise<ModeResult> {
  const load = { start: loadavg()[0]!, end: NaN };
  const created = await t.api<{ id: string; streamKey: string; playback: { hls: string } }>('POST', '/v1/streams', { name: `bench-${mode}`, latencyMode: mode, reconnectWindowSeconds: 0, recording: false });
  const src = created.body.playback.hls;
  const encoder = startEncoder(t.rtmpUrl(created.body.streamKey));
  let playableMs = NaN;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
    if ((await fetch(src)).status === 200) {
      playableMs = Date.now() - encoder.spawnedAt;
      break;
    }
  }
  const session = t.plane.sessions.session(created.body.id);
  const plan = session?.plan;
  const renditions = plan?.renditions.map((r) => r.name) ?? [];
  const recorder = new StageRecorder(join(t.dataDir, 'scratch'), created.body.id, renditions, (r) => new URL(`${r}/${mode === 'low' ? 'll' : 'index'}.m3u8`, src).toString(), mode === 'low');
  recorder.start();
  const viewers: Viewer[] = [];
  let cpu: number | undefined;
  try {
    viewers.push(await openViewer(browser, siteUrl, src, 'at live'));
    console.error(`${mode}: playable ${(playableMs / 1000).toFixed(2)} s after the encoder started (load ${loadavg()[0]!.toFixed(1)})`);
    const pid = session?.transcoderPid;
    const cpuStart = await cpuSeconds(pid);
    const wallStart = Date.now();
    const lateAt = Date.now() + LATE_JOIN_SECONDS * 1000;
    while (Date.now() - encoder.spawnedAt < (PUBLISH_SECONDS - 1) * 1000) {
      if (viewers.length === 1 && Date.now() >= lateAt) viewers.push(await openViewer(browser, siteUrl, src, 'mid-stream'));
      const t0 = encoder.t0();
      for (const v of viewers) {
        const n = await v.page.evaluate(() => (window as unknown as { frameNumber(): number | null }).frameNumber());
        if (n !== null && t0 !== undefined && n > 0) {
          const at = Date.now();
          v.samples.push(at - (t0 + (n / FPS) * 1000));
          v.frames.push({ at, n });
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const cpuEnd = await cpuSeconds(pid);
    if (cpuStart !== undefined && cpuEnd !== undefined && pid === t.plane.sessions.session(created.body.id)?.transcoderPid) cpu = (cpuEnd - cpuStart) / ((Date.now() - wallStart) / 1000);
    for (const v of viewers) v.log = await v.page.evaluate(() => (window as unknown as { log: PageLog }).log);
    if (values['hls-log']) {
      for (const v of viewers) {
        const lines = await v.page.evaluate(() => (window as unknown as { hlsLog: string[] }).hlsLog);
        console.error(`--- hls.js log, ${mode} ${v.join} (opened ${v.startedAt}, t0 ${encoder.t0()})`);
        for (const load of (v.log?.levelLoads ?? []).slice(0, 4)) {
          const name = v.log ? renditionOf(v.log, load.level) : undefined;
          const seen = (sn: number) => { const at = name ? recorder.segments.get(name)?.get(sn)?.listedAt : undefined; return at === undefined ? '-' : String(at - load.at); };
          console.error(`level load at ${load.at}: ${name} last sn ${load.lastSn} listed ${seen(load.lastSn)} ms, sn ${load.lastSn + 1} listed ${seen(load.lastSn + 1)} ms (relative to the load)`);
        }
        for (const line of lines.filter((l) => /startPosition|seek|Loading|live edge|level|Parsed|buffered|stall|target|latency/i.test(l)).slice(0, 60)) console.error(line.slice(0, 300));
      }
    }
  } finally {
    recorder.stop();
    for (const v of viewers) await v.page.close().catch(() => {});
    await encoder.stop();
  }
  load.end = loadavg()[0]!;
  const stages = session?.startup as Record<string, number | string | undefined> | undefined;
  const passthrough = plan?.renditions.find((r) => r.kind === 'video' && r.passthrough)?.name;
  return { mode, playableMs, stages, spawnedAt: encoder.spawnedAt, t0: encoder.t0(), viewers, recorder, renditions, passthrough, cpuPerMediaSecond: cpu, load };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const sec = (ms: number | undefined, width = 0) => (ms === undefined || !Number.isFinite(ms) ? '-' : (ms / 1000).toFixed(2)).padStart(width);

/** The rendition a level of the viewer's master is (`…/<rendition>/index.m3u8`). */
function renditionOf(log: PageLog, level: number): string | undefined {
  const url = log.levels[level]?.url;
  return url ? /\/([^/]+)\/[^/]+\.m3u8/.exec(new URL(url).pathname)?.[1] : undefined;
}

/**
 * Per segment (normal) or part (low) the viewer buffered while sampling: capture of its last frame →
 * closed on scratch (normal) → listed in the playlist → requested by hls.js → buffered → displayed
 * (the first 250 ms sample showing that frame or a later one). Medians over the items.
 */
function budget(r: ModeResult, v: Viewer): Record<string, number> {
  const log = v.log;
  const g2g = quantile(v.samples, 0.5);
  if (!log || r.t0 === undefined || !Number.isFinite(g2g)) return {};
  const t0 = r.t0;
  const rows: Record<string, number[]> = { capture_closed: [], closed_listed: [], capture_listed: [], listed_requested: [], requested_buffered: [], buffered_displayed: [] };
  const requested = new Map<string, number>();
  for (const f of log.frags) if (f.event === 'loading' && !requested.has(`${f.level}/${f.sn}/${f.part}`)) requested.set(`${f.level}/${f.sn}/${f.part}`, f.at);
  for (const f of log.frags) {
    if (f.event !== 'buffered' || !log.playing || f.at < log.playing.at) continue;
    const rendition = renditionOf(log, f.level);
    if (!rendition) continue;
    const times = r.recorder.segments.get(rendition)?.get(f.sn);
    const start = r.recorder.mediaStart(rendition, f.sn);
    if (!times || start === undefined) continue;
    let end: number | undefined;
    let listedAt: number | undefined;
    if (f.part >= 0) {
      let sum = 0;
      for (let i = 0; i <= f.part; i++) sum += times.parts.get(i)?.duration ?? NaN;
      end = start + sum;
      listedAt = times.parts.get(f.part)?.listedAt;
    } else {
      end = times.end ?? (times.duration !== undefined ? start + times.duration : undefined);
      listedAt = times.listedAt;
      if (times.closedAt !== undefined && times.end !== undefined) rows.capture_closed!.push(times.closedAt - (t0 + times.end * 1000));
      if (times.closedAt !== undefined && listedAt !== undefined) rows.closed_listed!.push(listedAt - times.closedAt);
    }
    if (end === undefined || !Number.isFinite(end)) continue;
    const captured = t0 + end * 1000;
    const req = requested.get(`${f.level}/${f.sn}/${f.part}`);
    if (listedAt !== undefined) rows.capture_listed!.push(listedAt - captured);
    if (listedAt !== undefined && req !== undefined) rows.listed_requested!.push(req - listedAt);
    if (req !== undefined) rows.requested_buffered!.push(f.at - req);
    // Displayed: the first sample showing the item's last frame or a later one (samples are 250 ms apart).
    const lastFrame = Math.round(end * FPS) - 1;
    const shown = v.frames.find((x) => x.n >= lastFrame);
    if (shown) rows.buffered_displayed!.push(shown.at - f.at);
  }
  return Object.fromEntries(Object.entries(rows).map(([k, values]) => [k, quantile(values, 0.5)]));
}

/**
 * How hls.js started this viewer, and the floor its rule sets (docs/low-latency.md, "Where the time goes"):
 * rule = edge of the first playlist it loaded − where playback started (3 × TD mid-stream, less when the
 * playlist is shorter); floor = rule + capture → listed of that edge segment (what the server adds). What
 * is beyond the floor: phase = how long that edge segment had been listed when hls.js loaded the playlist
 * (0 … one TD, the player's polling phase), start = playlist loaded → playing (fetch, append, seek), rest
 * = median − everything above (stalls, the playhead drifting behind).
 */
function startBudget(r: ModeResult, v: Viewer): { rule: number; captureListed: number; floor: number; phase: number; start: number; rest: number; excess: number } | undefined {
  const log = v.log;
  const first = log?.levelLoads[0];
  const g2g = quantile(v.samples, 0.5);
  if (!log || !first || !log.playing || r.t0 === undefined || !Number.isFinite(g2g)) return undefined;
  const rendition = renditionOf(log, first.level);
  // The edge is the end of the newest part in low mode (hls.js's lowLatencyMode), else of the newest segment.
  const sn = first.lastPart ? first.lastPart.sn : first.lastSn;
  const times = rendition ? r.recorder.segments.get(rendition)?.get(sn) : undefined;
  const start = rendition ? r.recorder.mediaStart(rendition, sn) : undefined;
  if (!times || start === undefined) return undefined;
  let end = times.end ?? (times.duration !== undefined ? start + times.duration : NaN);
  let listedAt = times.listedAt;
  if (first.lastPart) {
    end = start;
    for (let i = 0; i <= first.lastPart.index; i++) end += times.parts.get(i)?.duration ?? NaN;
    listedAt = times.parts.get(first.lastPart.index)?.listedAt;
  }
  if (listedAt === undefined || !Number.isFinite(end)) return undefined;
  const rule = (first.edge - log.playing.currentTime) * 1000;
  const captureListed = listedAt - (r.t0 + end * 1000);
  const floor = rule + captureListed;
  const phase = first.at - listedAt;
  const startMs = log.playing.at - first.at;
  return { rule, captureListed, floor, phase, start: startMs, rest: g2g - floor - phase - startMs, excess: g2g - floor };
}

/** capture → closed on scratch per rendition (median over the session's segments): encoder delay shows as the difference to a copied rung. */
function closeDelays(r: ModeResult): string {
  if (r.t0 === undefined) return '-';
  return r.renditions.map((name) => {
    const values = [...(r.recorder.segments.get(name)?.values() ?? [])].filter((s) => s.closedAt !== undefined && s.end !== undefined).map((s) => (s.closedAt as number) - ((r.t0 as number) + (s.end as number) * 1000));
    return `${name}${name === r.passthrough ? ' (copied)' : ''} ${sec(quantile(values, 0.5))}`;
  }).join(', ');
}

const site = await startPlayerSite(viewerPage(values['hls-log']));
const browser = await launchChromium();
const t = await startTestPlane({ env: { STREAMPLANE_SEGMENT_SECONDS: SEGMENT_SECONDS, STREAMPLANE_SEGMENT_OBJECTS: SEGMENT_OBJECTS } });
try {
  const results: ModeResult[] = [];
  for (const mode of MODES) results.push(await measure(t, browser, site.url, mode));
  console.log(`\nglass-to-glass (hls.js defaults, Chromium, 720p30 publish with keyframes every ${Number(values.gop)} s, STREAMPLANE_SEGMENT_SECONDS=${SEGMENT_SECONDS}, STREAMPLANE_SEGMENT_OBJECTS=${SEGMENT_OBJECTS}); load = 1-min load average at the mode's start/end`);
  console.log('mode    viewer      samples  median_s  p95_s  hls_target_s  start_level  start_TD  HOLD-BACK  PART-HOLD-BACK  stalls  fatal_errors  load');
  for (const r of results) {
    for (const v of r.viewers) {
      const log = v.log;
      // The first level playlist hls.js loaded is the level it started on (and whose details set its target).
      const startLoad = log?.levelLoads[0];
      console.log(`${r.mode.padEnd(7)} ${v.join.padEnd(10)}  ${String(v.samples.length).padStart(7)}  ${sec(quantile(v.samples, 0.5), 8)}  ${sec(quantile(v.samples, 0.95), 5)}  ${(log?.playing?.targetLatency?.toFixed(2) ?? '-').padStart(12)}  ${((log && startLoad && renditionOf(log, startLoad.level)) ?? '-').padStart(11)}  ${String(startLoad?.targetDuration ?? '-').padStart(8)}  ${(startLoad?.holdBack ? startLoad.holdBack.toFixed(2) : '-').padStart(9)}  ${(startLoad?.partHoldBack ? startLoad.partHoldBack.toFixed(2) : '-').padStart(14)}  ${String(log?.stalls ?? '-').padStart(6)}  ${(log?.errors.join(',') || '-').padEnd(12)}  ${r.load.start.toFixed(1)}/${r.load.end.toFixed(1)}`);
    }
  }
  console.log('\nhls.js floor per viewer, s: rule = edge of its first playlist − start position (its start rule: 3 × TD, or the playlist start when shorter); floor = rule + capture→listed of that edge; excess = median − floor = phase (edge listed → playlist loaded, 0…TD) + start (loaded → playing) + rest (stalls, drift)');
  console.log('mode    viewer      median_s  rule_s  capture→listed  floor_s  excess_s  phase_s  start_s  rest_s  load');
  for (const r of results) {
    for (const v of r.viewers) {
      const b = startBudget(r, v);
      console.log(`${r.mode.padEnd(7)} ${v.join.padEnd(10)}  ${sec(quantile(v.samples, 0.5), 8)}  ${sec(b?.rule, 6)}  ${sec(b?.captureListed, 14)}  ${sec(b?.floor, 7)}  ${sec(b?.excess, 8)}  ${sec(b?.phase, 7)}  ${sec(b?.start, 7)}  ${sec(b?.rest, 6)}  ${r.load.start.toFixed(1)}/${r.load.end.toFixed(1)}`);
    }
  }
  console.log('\nwhere the time goes, s (medians per segment in normal, per part in low, of what each viewer buffered; displayed = first 250 ms sample showing its last frame):');
  console.log('mode    viewer      capture→closed  closed→listed  capture→listed  listed→requested  requested→buffered  buffered→displayed');
  for (const r of results) {
    for (const v of r.viewers) {
      const b = budget(r, v);
      console.log(`${r.mode.padEnd(7)} ${v.join.padEnd(10)}  ${sec(b.capture_closed, 14)}  ${sec(b.closed_listed, 13)}  ${sec(b.capture_listed, 14)}  ${sec(b.listed_requested, 16)}  ${sec(b.requested_buffered, 18)}  ${sec(b.buffered_displayed, 18)}`);
    }
  }
  console.log('\ncapture → segment closed on scratch, per rendition (median): the encoded rungs\' extra over a copied rung is x264\'s delay');
  for (const r of results) console.log(`${r.mode.padEnd(7)} ${closeDelays(r)}`);
  console.log('\nstart-up stages, s after the session\'s first byte (encoder spawn → first byte is the encoder\'s own start):');
  console.log('mode    fast_start   source    connect  probed  ffmpeg_fed  first_segment  uploaded  master  spawn→playable   (connect: encoder spawn → first byte)');
  const s = (v: number | string | undefined) => (typeof v === 'number' ? (v / 1000).toFixed(2) : '-');
  for (const r of results) {
    const st = r.stages ?? {};
    const connect = typeof st.firstByteAt === 'number' ? st.firstByteAt - r.spawnedAt : undefined;
    console.log(`${r.mode.padEnd(7)} ${String(st.fastStart ?? '-').padEnd(11)}  ${String(st.source ?? '-').padEnd(8)}  ${s(connect).padStart(7)}  ${s(st.probedMs).padStart(6)}  ${s(st.transcoderFedMs).padStart(10)}  ${s(st.firstSegmentMs).padStart(13)}  ${s(st.firstUploadMs).padStart(8)}  ${s(st.masterMs).padStart(6)}  ${sec(r.playableMs, 14)}`);
  }
  console.log('\ntranscoder CPU-s per media-s (wall-clock while sampling; bench:latency-cpu measures it without real time):');
  for (const r of results) console.log(`${r.mode.padEnd(7)} ${r.cpuPerMediaSecond?.toFixed(3) ?? '(transcoder restarted: n/a)'}`);
  console.log('\nagainst the targets (issue 14): glass-to-glass median low ≤ 3.0 s, normal ≤ 4 s; first byte → playable master ≤ 3 s');
  for (const r of results) {
    const goal = r.mode === 'low' ? 3000 : 4000;
    const viewers = r.viewers.map((v) => `${v.join} ${sec(quantile(v.samples, 0.5))} s ${quantile(v.samples, 0.5) <= goal ? '(met)' : '(over)'}`).join(', ');
    const master = typeof r.stages?.masterMs === 'number' ? r.stages.masterMs : undefined;
    console.log(`${r.mode.padEnd(7)} ${viewers}; first byte → master ${sec(master)} s ${master !== undefined && master <= 3000 ? '(met)' : '(over)'}; load ${r.load.start.toFixed(1)}/${r.load.end.toFixed(1)}`);
  }
  const normal = results.find((r) => r.mode === 'normal');
  const low = results.find((r) => r.mode === 'low');
  if (normal?.cpuPerMediaSecond && low?.cpuPerMediaSecond) console.log(`CPU low/normal: ${(low.cpuPerMediaSecond / normal.cpuPerMediaSecond).toFixed(3)} (target ≤ 1.10)`);
} finally {
  await browser.close();
  await site.close();
  // A session still writing its last playlists can race the data folder's removal: not a bench result.
  await t.stop().catch((err: unknown) => console.error(`plane stop: ${err instanceof Error ? err.message : String(err)}`));
}
