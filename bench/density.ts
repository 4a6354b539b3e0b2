/**
 * `npm run bench:density [-- seconds]`: how many passthrough streams one plane carries. Starts the local
 * plane as its own process (`bin/local-plane.ts`), creates N `transcode: passthrough` streams and
 * publishes a 720p30 2.5 Mbps H.264/AAC file into each with `ffmpeg -re -c copy` (publishers are this
 * process's children, not the plane's, so they are excluded), at N = 10 and 20. Per N it measures over a
 * steady window:
 *  - the plane's CPU-seconds per stream-second: utime+stime (+ reaped children) of the plane process and
 *    every descendant (ffmpeg packagers, thumbnails), from /proc;
 *  - memory per stream: (PSS of the plane's tree with N streams − PSS idle) / N, at the peak. PSS
 *    (/proc/<pid>/smaps_rollup) shares each library page among the processes mapping it: RSS would count
 *    ffmpeg's ~44 MB of shared libraries once per stream, memory the machine holds once. RSS is printed too;
 *  - playlists on time: every segment listed at most 1.5 segment durations after the last of its media was
 *    sent. "Sent" is when the publisher had actually sent media up to the segment's end: each publisher
 *    reports how far it has sent ten times a second (`-progress`, out_time), and the time taken is that of
 *    the last report still SHORT of the segment's end (the media went out after it), so lateness is, if
 *    anything, overstated by up to a report interval. A publisher that is itself behind `-re` (its start
 *    delayed on a busy machine) sends late; timing it from its nominal schedule (publisher start + media
 *    time) would charge the plane with that lag, so that count is printed beside it for comparison only.
 * Where a late segment's time went (the plane's or the machine's): the plane writes a per-segment trace
 * (STREAMPLANE_SEGMENT_TRACE: ffmpeg closed the file, the packager noticed it, upload done, playlist stored)
 * and its event-loop delay every second; each publisher reports its progress (`-progress`), so its own lag
 * behind `-re` wall time is known. Each late segment is broken down into sent → closed → noticed →
 * uploaded → playlist → seen (with the publisher's own lag behind `-re` beside it), with the plane's
 * event-loop delay and thread-pool wait around it. The bench's own event-loop delay is printed too: its
 * clock reads of the publishers' reports are what "sent" rests on.
 * The baseline of the same run: one bare ffmpeg RTMP receiver remuxing to HLS (`-listen 1 … -c copy -f hls`)
 * fed the same file, its CPU-s per stream-second. Targets (issue 17): ≤ 0.04 CPU-s per stream-second,
 * ≤ 60 MB per stream, all on time at N = 20. On a shared machine the figures move with everyone's load.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { localPlaneNodeArgs } from '../bin/plane-node-flags';

const run = promisify(execFile);
const SECONDS = Number(process.argv[2] ?? 30);
const COUNTS = (process.env.BENCH_N ?? '10,20').split(',').map(Number);
const TOKEN = 'bench-token-0123456789abcdef';
const SEGMENT = 2;
const TICKS = 100; // USER_HZ on Linux
/**
 * BENCH_PLANE_THREADPOOL (e.g. 16): the plane's libuv thread pool size (UV_THREADPOOL_SIZE; Node's default
 * is 4). Every fs call of the plane (segment-list polls, scratch reads, the fs store's writes and their
 * datasync) shares that pool, so a few slow datasyncs on a busy disk can hold every stream's polls and
 * uploads behind them: a suspect for the closed→noticed and noticed→uploaded stalls of 10-18 s seen at
 * N = 20 under load 16, not yet shown to be the cause. Compare a run with and without it on a quiet machine.
 */
const PLANE_THREADPOOL = process.env.BENCH_PLANE_THREADPOOL;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function procStat(pid: number): Promise<{ ppid: number; cpu: number; rssBytes: number } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14 → index 11.
    const cpu = (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS;
    return { ppid: Number(fields[1]), cpu, rssBytes: Number(fields[21]) * 4096 };
  } catch {
    return undefined;
  }
}

/** Proportional set size of one process, bytes (0 when it is gone or the kernel has no smaps_rollup). */
async function pssBytes(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const kb = /^Pss:\s+(\d+) kB/m.exec(text);
  return kb ? Number(kb[1]) * 1024 : 0;
}

/** CPU-seconds (including reaped children), RSS and PSS of `root` and all its live descendants. */
async function treeUsage(root: number): Promise<{ cpu: number; nodeCpu: number; rssBytes: number; pssBytes: number; processes: number }> {
  const stats = new Map<number, { ppid: number; cpu: number; rssBytes: number }>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = await procStat(Number(name));
    if (s) stats.set(Number(name), s);
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) if (!inTree.has(pid) && inTree.has(s.ppid)) (inTree.add(pid), (grew = true));
  }
  let cpu = 0;
  let rssBytes = 0;
  let pss = 0;
  for (const pid of inTree) {
    const s = stats.get(pid);
    if (s) (cpu += s.cpu), (rssBytes += s.rssBytes), (pss += await pssBytes(pid));
  }
  // The root's own CPU (the plane's Node: ingest, packager, uploads, API, embedded DynamoDB) apart from its
  // children (ffmpeg), so a cut can be aimed at the side that costs.
  const own = await ownCpu(root);
  return { cpu, nodeCpu: own, rssBytes, pssBytes: pss, processes: inTree.size };
}

/** utime+stime of one process itself (not its children), CPU-seconds. */
async function ownCpu(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!text) return 0;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** The 1-minute load average, printed beside every figure: on-time lateness moves with everyone's load. */
async function load(): Promise<string> {
  const text = await readFile('/proc/loadavg', 'utf8').catch(() => '?');
  return text.split(' ')[0] ?? '?';
}

async function makeSource(dir: string): Promise<string> {
  const source = join(dir, 'source-720p30.flv');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '20',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k',
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-f', 'flv', source], { maxBuffer: 16 * 1024 * 1024 });
  return source;
}

function publisher(source: string, url: string, progress = false): ChildProcess {
  // A 20 s file looped (cheap to make on a busy machine); -c copy keeps the publisher itself nearly free.
  // With `progress`, ffmpeg prints how far it has sent (out_time_us) ten times a second on stdout.
  const report = progress ? ['-progress', 'pipe:1', '-stats_period', '0.1'] : [];
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...report, '-re', '-stream_loop', '-1', '-i', source, '-c', 'copy', '-f', 'flv', url], { stdio: ['ignore', progress ? 'pipe' : 'ignore', 'pipe'] });
}

/** How far one publisher has sent, over wall time: [epoch ms, media seconds sent] samples. */
class SendLog {
  readonly samples: Array<[number, number]> = [];
  private buffer = '';

  follow(child: ChildProcess): void {
    this.samples.length = 0;
    child.stdout?.on('data', (c: Buffer) => {
      this.buffer += c.toString('utf8');
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_us=(\d+)/.exec(line);
        if (m) this.samples.push([Date.now(), Number(m[1]) / 1e6]);
      }
    });
  }

  /** When the publisher had sent media up to `mediaS` (the first report at or past it), epoch ms. */
  sentAt(mediaS: number): number | undefined {
    for (const [at, sent] of this.samples) if (sent >= mediaS) return at;
    return undefined;
  }

  /**
   * The latest moment the publisher is known NOT to have sent media up to `mediaS` yet (its last report
   * short of it; `startedAt` when none came before): the media went out after this, so lateness counted
   * from here is never understated. Undefined when no report reached `mediaS` (not known to be sent).
   */
  sentNotBefore(mediaS: number, startedAt: number): number | undefined {
    let before = startedAt;
    for (const [at, sent] of this.samples) {
      if (sent >= mediaS) return before;
      before = at;
    }
    return undefined;
  }
}

/**
 * A publisher that reconnects like an encoder does (OBS retries every few seconds) until the steady window
 * starts: on a loaded machine a connection can fail while N others are being set up at once. Why each
 * attempt ended is kept for the report.
 */
class Encoder {
  child: ChildProcess;
  /** When the current publisher was started (its media starts then at the earliest). */
  startedAt = Date.now();
  readonly failures: string[] = [];
  readonly sent = new SendLog();
  private retrying = true;

  constructor(private readonly source: string, private readonly url: string, private readonly onSpawn: (child: ChildProcess) => void) {
    this.child = this.start();
  }

  private start(): ChildProcess {
    this.startedAt = Date.now();
    const child = publisher(this.source, this.url, true);
    this.sent.follow(child);
    this.onSpawn(child);
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-400)));
    child.once('exit', (code, signal) => {
      if (!this.retrying) return;
      this.failures.push(`exit ${code ?? signal}: ${err.trim().split('\n').pop() ?? ''}`);
      setTimeout(() => {
        if (this.retrying) this.child = this.start();
      }, 2000);
    });
    return child;
  }

  /** From the steady window on, an exit is a failure the playlists will show, not something to hide. */
  stopRetrying(): void {
    this.retrying = false;
  }
}

function kill(children: ChildProcess[]): Promise<void> {
  return Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  }))).then(() => undefined);
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(base + path, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Polls one stream's media playlist; records the worst lateness of any newly listed segment: the time it
 * was first seen listed minus when its publisher had sent the media up to the segment's end
 * (SendLog.sentNotBefore; the nominal `-re` schedule, publisher start + media end, is kept beside it). Media time
 * sums the EXTINF of every segment of the session from sequence 0 (one not seen — the poll missed it —
 * counts as the nominal duration); a sequence that goes back is a new session (the publisher reconnected)
 * and restarts from that publisher's start.
 */
interface SeenSegment {
  sequence: number;
  /** Media end since the publisher's start, seconds; nominal send time = startedAt + mediaEnd. */
  mediaEnd: number;
  startedAt: number;
  seenAt: number;
  /** Seconds from when its media was sent (the publisher's reports) to seen listed. */
  lateness: number;
  /** Seconds from its nominal send time (publisher start + media end) to seen listed. */
  nominalLateness: number;
}

interface Watched { segments: number; worstLatenessS: number; late: number; lateSegments: SeenSegment[]; nominalLate: number; worstNominalS: number; all: SeenSegment[] }

function watchPlaylist(url: string, startedAt: () => number, sent: SendLog, until: () => boolean): Promise<Watched> {
  return (async () => {
    let nominalLate = 0;
    let worstNominal = -Infinity;
    const all: SeenSegment[] = [];
    const seen = new Set<string>();
    let durations = new Map<number, number>();
    let firstSequence = -1;
    let segments = 0;
    let worst = -Infinity;
    let late = 0;
    const lateSegments: SeenSegment[] = [];
    while (!until()) {
      const text = await fetch(url).then((r) => (r.ok ? r.text() : ''), () => '');
      const now = Date.now();
      let duration = 0;
      let sequence = 0;
      for (const line of text.split('\n')) {
        const seq = /^#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(line);
        if (seq) {
          sequence = Number(seq[1]);
          // The list's first sequence only moves forward within a session.
          if (sequence < firstSequence) durations = new Map();
          firstSequence = sequence;
        }
        const inf = /^#EXTINF:([\d.]+)/.exec(line);
        if (inf) duration = Number(inf[1]);
        if (line && !line.startsWith('#')) {
          const at = sequence++;
          const key = `${startedAt()} ${at} ${line}`;
          durations.set(at, duration);
          if (seen.has(key)) continue;
          seen.add(key);
          segments++;
          let mediaEnd = 0;
          for (let i = 0; i <= at; i++) mediaEnd += durations.get(i) ?? SEGMENT;
          const nominalLateness = (now - startedAt()) / 1000 - mediaEnd;
          // Listed before any report reached its end: sent within the last report interval at most.
          const sentFrom = sent.sentNotBefore(mediaEnd, startedAt()) ?? sent.samples.at(-1)?.[0] ?? startedAt();
          const lateness = (now - sentFrom) / 1000;
          worst = Math.max(worst, lateness);
          worstNominal = Math.max(worstNominal, nominalLateness);
          if (nominalLateness > 1.5 * SEGMENT) nominalLate++;
          const seenSegment = { sequence: at, mediaEnd, startedAt: startedAt(), seenAt: now, lateness, nominalLateness };
          all.push(seenSegment);
          if (lateness > 1.5 * SEGMENT) (late++, lateSegments.push(seenSegment));
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return { segments, worstLatenessS: worst, late, lateSegments, nominalLate, worstNominalS: worstNominal, all };
  })();
}

interface TraceSegment { kind: 'segment'; streamId: string; rendition: string; sequence: number; closedAtMs: number; detectedAtMs: number; uploadedAtMs: number; playlistAtMs: number }
interface TraceLoop { kind: 'loop'; at: number; p50Ms: number; p99Ms: number; maxMs: number; fsMaxMs?: number }
interface TraceStartup { kind: 'startup'; streamId: string; [stage: string]: unknown }

const s1 = (ms: number | undefined): string => (ms === undefined || !Number.isFinite(ms) ? '?' : (ms / 1000).toFixed(2));

/** Start-up stages of the sessions (ms since each one's first byte), median and worst per stage. */
function startupSummary(records: TraceStartup[], ids: ReadonlySet<string>): string | undefined {
  const mine = records.filter((r) => ids.has(r.streamId));
  if (mine.length === 0) return undefined;
  const parts: string[] = [];
  for (const stage of ['probeReadyMs', 'probedMs', 'packagerStartedMs', 'transcoderFedMs', 'firstSegmentMs', 'firstUploadMs', 'masterMs']) {
    const values = mine.map((r) => r[stage]).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
    if (values.length === 0) continue;
    parts.push(`${stage.replace(/Ms$/, '')} ${s1(values[Math.floor(values.length / 2)])}/${s1(values.at(-1))}`);
  }
  const sources = [...new Set(mine.map((r) => String(r.source ?? '?')))].join('+');
  return `  start-up of ${mine.length} sessions, s since first byte (median/worst): ${parts.join(', ')}; source facts: ${sources}`;
}

/**
 * Per late segment, where its time went (sent → closed → noticed → uploaded → playlist → seen add up to its
 * lateness), with the publisher's own lag behind -re beside it, and the plane's event-loop delay and
 * thread-pool wait (a stat()'s round trip) over the window and around each late segment.
 */
async function explainLate(tracePath: string, streams: Array<{ streamId: string; sent: SendLog; late: SeenSegment[]; all: SeenSegment[] }>, fromMs: number, toMs: number): Promise<string> {
  const text = await readFile(tracePath, 'utf8').catch(() => '');
  const segments = new Map<string, TraceSegment>();
  const loops: TraceLoop[] = [];
  const startups: TraceStartup[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as TraceSegment | TraceLoop | TraceStartup;
    if (rec.kind === 'segment' && rec.rendition === '720p') segments.set(`${rec.streamId} ${rec.sequence}`, rec);
    else if (rec.kind === 'loop') loops.push(rec);
    else if (rec.kind === 'startup') startups.push(rec);
  }
  const window = loops.filter((l) => l.at >= fromMs && l.at <= toMs + 1000);
  const loopMax = Math.max(0, ...window.map((l) => l.maxMs));
  const loopP99 = window.length ? [...window.map((l) => l.p99Ms)].sort((a, b) => a - b)[Math.floor(window.length * 0.99)] ?? 0 : 0;
  const fsMax = Math.max(0, ...window.map((l) => l.fsMaxMs ?? 0));
  const out = [`  plane event-loop delay from the publishers' start to the window's end: worst second's p99 ${loopP99.toFixed(0)} ms, max ${loopMax.toFixed(0)} ms; thread-pool round trip max ${fsMax.toFixed(0)} ms (${window.length} s sampled)`];
  const summary = startupSummary(startups, new Set(streams.map((s) => s.streamId)));
  if (summary) out.push(summary);
  const stageTotals = new Map<string, number>();
  const seqTotals = new Map<number, number>();
  const rows: string[] = [];
  let count = 0;
  const describe = (s: (typeof streams)[number], seg: SeenSegment): { row: string; worst: string | undefined } => {
      const nominal = seg.startedAt + seg.mediaEnd * 1000;
      const reached = s.sent.sentAt(seg.mediaEnd);
      const publisherLag = reached === undefined ? undefined : reached - nominal;
      const sentFrom = seg.seenAt - seg.lateness * 1000;
      const t = segments.get(`${s.streamId} ${seg.sequence}`);
      const stages: Array<[string, number | undefined]> = [
        ['sent→closed', t ? t.closedAtMs - sentFrom : undefined],
        ['closed→noticed', t ? t.detectedAtMs - t.closedAtMs : undefined],
        ['noticed→uploaded', t ? t.uploadedAtMs - t.detectedAtMs : undefined],
        ['uploaded→playlist', t ? t.playlistAtMs - t.uploadedAtMs : undefined],
        ['playlist→seen', t ? seg.seenAt - t.playlistAtMs : undefined],
      ];
      const around = loops.filter((l) => l.at >= sentFrom && l.at <= seg.seenAt + 1000);
      const loopAround = Math.max(0, ...around.map((l) => l.maxMs));
      const fsAround = Math.max(0, ...around.map((l) => l.fsMaxMs ?? 0));
      const worst = stages.filter((x): x is [string, number] => x[1] !== undefined).sort((a, b) => b[1] - a[1])[0];
      const row = `    ${s.streamId.slice(-6)} #${seg.sequence}: ${seg.lateness.toFixed(2)} s after sent = ${stages.map(([n, v]) => `${n} ${s1(v)}`).join(' + ')} s (publisher lag behind -re ${s1(publisherLag)} s); loop max ${loopAround.toFixed(0)} ms, thread pool max ${fsAround.toFixed(0)} ms`;
      return { row, worst: worst?.[0] };
  };
  for (const s of streams) {
    for (const seg of s.late) {
      count++;
      seqTotals.set(seg.sequence, (seqTotals.get(seg.sequence) ?? 0) + 1);
      const { row, worst } = describe(s, seg);
      if (worst) stageTotals.set(worst, (stageTotals.get(worst) ?? 0) + 1);
      if (rows.length < 25) rows.push(row);
    }
  }
  if (count === 0) {
    // On time: how close the three latest came to the limit, and where their time went.
    const closest = streams.flatMap((s) => s.all.map((seg) => ({ s, seg }))).sort((a, b) => b.seg.lateness - a.seg.lateness).slice(0, 3);
    if (closest.length > 0) out.push('  the three latest (on time):', ...closest.map(({ s, seg }) => describe(s, seg).row));
    return out.join('\n');
  }
  out.push(`  late segments: ${count} (longest stage: ${[...stageTotals].map(([k, v]) => `${k} ×${v}`).join(', ') || '—'}; by sequence: ${[...seqTotals].sort((a, b) => a[0] - b[0]).map(([k, v]) => `#${k} ×${v}`).join(', ')})`);
  return [...out, ...rows].join('\n');
}

async function baseline(dir: string, source: string): Promise<number> {
  const port = await freePort();
  const out = join(dir, 'baseline');
  await run('mkdir', ['-p', out]);
  const receiver = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/x`, '-c', 'copy', '-f', 'hls', '-hls_time', String(SEGMENT), '-hls_list_size', '6', join(out, 'index.m3u8')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500)); // the listener binds; the publisher retries below if not
  let pub = publisher(source, `rtmp://127.0.0.1:${port}/live/x`);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, 3000));
  if (pub.exitCode !== null) pub = publisher(source, `rtmp://127.0.0.1:${port}/live/x`);
  const before = (await treeUsage(receiver.pid!)).cpu;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = (await treeUsage(receiver.pid!)).cpu - before;
  const wall = (Date.now() - t0) / 1000;
  await kill([pub, receiver]);
  void started;
  return cpu / wall;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-density-'));
  const children: ChildProcess[] = [];
  try {
    const source = await makeSource(dir);
    const base = await baseline(dir, source);
    process.stdout.write(`baseline: one ffmpeg RTMP receiver remuxing to HLS: ${base.toFixed(4)} CPU-s per stream-second (load average ${await load()})\n`);
    const [httpPort, rtmpPort] = [await freePort(), await freePort()];
    // BENCH_PLANE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the plane's Node process.
    const tracePath = join(dir, 'segment-trace.jsonl');
    const nodeArgs = (process.env.BENCH_PLANE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const plane = spawn(process.execPath, localPlaneNodeArgs(nodeArgs), {
      env: { ...process.env, STREAMPLANE_HTTP_PORT: String(httpPort), STREAMPLANE_RTMP_PORT: String(rtmpPort), STREAMPLANE_SRT_PORT: 'off', STREAMPLANE_BIND: '127.0.0.1', STREAMPLANE_PUBLIC_HOST: '127.0.0.1', STREAMPLANE_DATA_DIR: join(dir, 'plane'), STREAMPLANE_API_TOKEN: TOKEN, STREAMPLANE_LOG_LEVEL: 'warn', STREAMPLANE_SEGMENT_TRACE: tracePath, ...(PLANE_THREADPOOL ? { UV_THREADPOOL_SIZE: PLANE_THREADPOOL } : {}), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'ignore', process.env.BENCH_PLANE_LOGS ? 'inherit' : 'ignore'],
    });
    children.unshift(plane);
    const apiBase = `http://127.0.0.1:${httpPort}`;
    for (let i = 0; ; i++) {
      if ((await fetch(`${apiBase}/healthz`).then((r) => r.ok, () => false))) break;
      if (i > 600) throw new Error('the plane did not become ready');
      await new Promise((r) => setTimeout(r, 200));
    }
    const idle = await treeUsage(plane.pid!);
    process.stdout.write(`plane idle: PSS ${(idle.pssBytes / 1e6).toFixed(0)} MB, RSS ${(idle.rssBytes / 1e6).toFixed(0)} MB\n`);
    const rows: string[] = [];
    for (const n of COUNTS) {
      const streams = await Promise.all(Array.from({ length: n }, (_, i) => api<{ id: string; streamKey: string }>(apiBase, 'POST', '/v1/streams', { name: `density ${n}-${i}`, transcode: 'passthrough', recording: false, reconnectWindowSeconds: 0 })));
      // Encoders connect a quarter of a second apart (N connecting in the same instant is not what a plane
      // sees, and on a loaded machine some handshakes then time out).
      const pubs: Array<{ s: (typeof streams)[number]; encoder: Encoder }> = [];
      const watchers: Array<Promise<Watched>> = [];
      let done = false;
      // The bench's own event-loop delay from here on: its clock reads of the publishers' reports and of
      // the playlists are what lateness rests on.
      const rampAt = Date.now();
      const benchLoop = monitorEventLoopDelay({ resolution: 10 });
      benchLoop.enable();
      for (const s of streams) {
        const encoder = new Encoder(source, `rtmp://127.0.0.1:${rtmpPort}/live/${s.streamKey}`, (c) => children.push(c));
        pubs.push({ s, encoder });
        // Watched from its publisher's start: a watcher started only once all N publishers were (N × 0.25 s
        // later) saw the first publishers' first segments seconds after they were listed.
        watchers.push(watchPlaylist(`${apiBase}/live/${s.id}/${'720p'}/index.m3u8`, () => encoder.startedAt, encoder.sent, () => done));
        await new Promise((r) => setTimeout(r, 250));
      }

      // Steady state: every stream live.
      for (let i = 0; ; i++) {
        const states = await Promise.all(streams.map((s) => api<{ status: string }>(apiBase, 'GET', `/v1/streams/${s.id}`).then((v) => v.status)));
        if (states.every((st) => st === 'live')) break;
        if (i > 240) throw new Error(`not every stream went live at N=${n}: ${states.join(', ')}; publisher exits: ${[...new Set(pubs.flatMap((p) => p.encoder.failures))].slice(0, 5).join(' | ') || 'none'} (${pubs.reduce((a, p) => a + p.encoder.failures.length, 0)} in all)`);
        await new Promise((r) => setTimeout(r, 500));
      }
      for (const p of pubs) p.encoder.stopRetrying();
      const reconnects = pubs.reduce((a, p) => a + p.encoder.failures.length, 0);
      if (reconnects > 0) process.stdout.write(`N=${n}: ${reconnects} publisher reconnect(s) before all were live: ${pubs.flatMap((p) => p.encoder.failures).slice(0, 3).join(' | ')}\n`);
      const before = await treeUsage(plane.pid!);
      const loadBefore = await load();
      const t0 = Date.now();
      let peakRss = before.rssBytes;
      let peakPss = before.pssBytes;
      while (Date.now() - t0 < SECONDS * 1000) {
        await new Promise((r) => setTimeout(r, 2000));
        const now = await treeUsage(plane.pid!);
        peakRss = Math.max(peakRss, now.rssBytes);
        peakPss = Math.max(peakPss, now.pssBytes);
      }
      const after = await treeUsage(plane.pid!);
      const wall = (Date.now() - t0) / 1000;
      done = true;
      // A stream whose publisher reconnected is not timed: its playlist may number on across sessions.
      const watched = await Promise.all(watchers);
      const timing = watched.filter((_, i) => pubs[i]!.encoder.failures.length === 0);
      const breakdown = await explainLate(tracePath, pubs.map((p, i) => ({ streamId: p.s.id, sent: p.encoder.sent, late: p.encoder.failures.length === 0 ? watched[i]!.lateSegments : [], all: p.encoder.failures.length === 0 ? watched[i]!.all : [] })), rampAt, Date.now());
      benchLoop.disable();
      const untimed = n - timing.length;
      await kill(pubs.map((p) => p.encoder.child));
      const cpuPerStreamSecond = (after.cpu - before.cpu) / (wall * n);
      const nodePerStreamSecond = (after.nodeCpu - before.nodeCpu) / (wall * n);
      const loadAfter = await load();
      const mbPerStream = (peakPss - idle.pssBytes) / n / 1e6;
      const rssMbPerStream = (peakRss - idle.rssBytes) / n / 1e6;
      const late = timing.reduce((a, t) => a + t.late, 0);
      const worst = Math.max(...timing.map((t) => t.worstLatenessS));
      const nominalLate = timing.reduce((a, t) => a + t.nominalLate, 0);
      const worstNominal = Math.max(...timing.map((t) => t.worstNominalS));
      const row =
        `N=${n}: ${cpuPerStreamSecond.toFixed(4)} CPU-s per stream-second (${(cpuPerStreamSecond / base).toFixed(2)}× the bare ffmpeg receiver; ≈${Math.floor(2 / cpuPerStreamSecond)} streams per 2 vCPU; ` +
        `Node ${nodePerStreamSecond.toFixed(4)} + ffmpeg ${(cpuPerStreamSecond - nodePerStreamSecond).toFixed(4)}), ` +
        `${mbPerStream.toFixed(1)} MB per stream (PSS; ${rssMbPerStream.toFixed(1)} MB by RSS; tree ${after.processes} processes, peak PSS ${(peakPss / 1e6).toFixed(0)} MB), ` +
        `playlists: ${late === 0 ? 'all on time' : `${late} segment(s) late`} (worst ${worst.toFixed(2)} s after its media was sent; limit ${1.5 * SEGMENT} s; ${timing.reduce((a, t) => a + t.segments, 0)} segments${untimed > 0 ? `; ${untimed} reconnected stream(s) not timed` : ''}; by the publishers' nominal -re schedule instead: ${nominalLate} late, worst ${worstNominal.toFixed(2)} s; bench event-loop delay max ${(benchLoop.max / 1e6).toFixed(0)} ms); load average ${loadBefore} → ${loadAfter}`;
      rows.push(row);
      process.stdout.write(row + '\n' + breakdown + '\n');
      // Let the sessions end before the next round.
      for (let i = 0; i < 120; i++) {
        const states = await Promise.all(streams.map((s) => api<{ status: string }>(apiBase, 'GET', `/v1/streams/${s.id}`).then((v) => v.status)));
        if (states.every((st) => st === 'ended')) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    process.stdout.write(`\ntargets: ≤ 0.04 CPU-s per stream-second, ≤ 60 MB per stream, all playlists on time at N = 20\n${rows.join('\n')}\n`);
  } finally {
    // The plane first, by SIGTERM: it stops its own ffmpeg children (SIGKILL would orphan them).
    const plane = children[0];
    if (plane && plane.exitCode === null && plane.signalCode === null && children.length > 0 && plane.spawnfile === process.execPath) {
      const exited = new Promise<void>((resolve) => plane.once('exit', () => resolve()));
      plane.kill('SIGTERM');
      const timer = setTimeout(() => plane.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await kill(children);
    // BENCH_TRACE_OUT (a path): keep the plane's per-segment trace (JSON lines) for a closer look.
    if (process.env.BENCH_TRACE_OUT) await copyFile(join(dir, 'segment-trace.jsonl'), process.env.BENCH_TRACE_OUT).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:density: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
