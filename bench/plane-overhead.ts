/**
 * The plane's own cost outside ffmpeg, for `npm run bench:transcode`: starts the real local plane (`npm
 * start`'s entry, as its own Node process), publishes one source over RTMP in real time, and splits the
 * CPU of that process tree into the Node process itself (RTMP ingest, probe buffering, packager, segment
 * uploads, API, events) and its children (the transcoding ffmpeg, the source ffprobe), read from
 * /proc/<pid>/stat. Any other long-lived child (tsx's esbuild service, as the plane runs from source here)
 * counts as Node.
 *
 * Two figures: the steady state — a window of `mediaSeconds` while the stream is live, starting
 * STEADY_AFTER_LIVE_MS after it went live (the source is published as many times in a row as that takes,
 * so the window lies inside one session), Node against the live ffmpeg over the same window: what every
 * streamed hour costs — and the whole session (create-to-end, including the
 * probe, going live, the recording and the end), whose one-off part is reported in CPU-s per session.
 * The bench polls the API only outside the steady window.
 *
 * Must never leave the plane, the publisher or the data folder behind (all killed by PID, folder removed),
 * or count the publisher's CPU (it is the bench's child, not the plane's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, rm, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localPlaneNodeArgs } from '../bin/plane-node-flags';

export interface PlaneOverhead {
  /** Length of the steady window, seconds of media published in real time while live. */
  mediaSeconds: number;
  /** CPU-seconds of the Node process (all its threads, plus long-lived helpers) over the steady window. */
  nodeCpuSeconds: number;
  /** CPU-seconds of its ffmpeg/ffprobe children over the same window (live and reaped). */
  childrenCpuSeconds: number;
  /**
   * The same source's transcode on the whole file (the bench's figure for our command), scaled to the
   * window, when known: on a loaded machine the live ffmpeg may fall behind and drop input, doing less
   * work than the media needs.
   */
  fileTranscodeCpuSeconds?: number;
  /** nodeCpuSeconds / the larger of childrenCpuSeconds and fileTranscodeCpuSeconds. */
  fraction: number;
  /** Idle cost of the Node process over a window as long as the steady one, between the warm-up and the measured session. */
  idleNodeCpuSeconds: number;
  /** The steady window's Node CPU per thread kind (main, libuv pool, V8 helpers…), user and system seconds. */
  nodeThreads: ThreadCpu[];
  /** Whole session, from the publisher's start to the stream ending: wall seconds and Node CPU-seconds. */
  session: { seconds: number; nodeCpuSeconds: number; childrenCpuSeconds: number; oneOffNodeCpuSeconds: number };
}

/**
 * The steady window starts this long after the stream went live: by then the first segments are listed
 * and the recording has started, and from then on the packager and uploads run as they will all hour. At
 * 2 s, the window still held part of going live.
 */
const STEADY_AFTER_LIVE_MS = 10_000;

/** Kernel clock ticks per second (USER_HZ): 100 on every Linux this runs on. */
const USER_HZ = 100;
const TOKEN = 'bench-token-0123456789abcdef';

interface ProcTimes {
  self: number;
  children: number;
}

async function procTimes(pid: number): Promise<ProcTimes> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(fields[i]);
  return { self: (n(11) + n(12)) / USER_HZ, children: (n(13) + n(14)) / USER_HZ };
}

export interface ThreadCpu {
  /** `main`, the other threads named `node` (libuv's pool, V8's platform workers), or a thread's own name. */
  name: string;
  user: number;
  system: number;
}

/** utime and stime of every thread of `pid`, keyed by thread id (name kept beside). */
async function threadTimes(pid: number): Promise<Map<string, ThreadCpu>> {
  const out = new Map<string, ThreadCpu>();
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    try {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), user: Number(fields[11]) / USER_HZ, system: Number(fields[12]) / USER_HZ });
    } catch {
      // Gone while scanning.
    }
  }
  return out;
}

/**
 * What the threads spent between two readings (threads born in between count whole), per kind: the main
 * thread (its tid is the pid) apart from the others, which share its name unless they set their own.
 */
function threadDelta(pid: number, before: Map<string, ThreadCpu>, after: Map<string, ThreadCpu>): ThreadCpu[] {
  const byName = new Map<string, ThreadCpu>();
  for (const [tid, t] of after) {
    const b = before.get(tid);
    const name = tid === String(pid) ? 'main' : t.name === 'node' ? 'other node threads (libuv pool, V8 platform)' : t.name;
    const sum = byName.get(name) ?? { name, user: 0, system: 0 };
    sum.user += t.user - (b?.user ?? 0);
    sum.system += t.system - (b?.system ?? 0);
    byName.set(name, sum);
  }
  return [...byName.values()].filter((t) => t.user + t.system > 0).sort((a, b) => b.user + b.system - (a.user + a.system));
}

interface Child {
  pid: number;
  comm: string;
  /** utime + stime so far, seconds. */
  cpu: number;
}

/** Processes whose parent is `pid` (a scan of /proc; no dependency on CONFIG_PROC_CHILDREN). */
async function childrenOf(pid: number): Promise<Child[]> {
  const out: Child[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid) continue;
      out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpu: (Number(fields[11]) + Number(fields[12])) / USER_HZ });
    } catch {
      // Gone while scanning.
    }
  }
  return out;
}

const MEDIA_TOOLS = new Set(['ffmpeg', 'ffprobe']);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`plane overhead: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

function kill(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Publishes `flv` (`fileMediaSeconds` long) into a fresh local plane in real time and splits its CPU over a
 * steady window of `mediaSeconds` and over the whole session.
 */
export async function measurePlaneOverhead(
  flv: string,
  mediaSeconds: number,
  onChild: (pid: number, alive: boolean) => void,
  fileTranscodeCpuSeconds?: number,
  fileMediaSeconds = mediaSeconds,
): Promise<PlaneOverhead> {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamplane-bench-plane-'));
  const [httpPort, rtmpPort] = [await freePort(), await freePort()];
  let plane: ChildProcess | undefined;
  let publisher: ChildProcess | undefined;
  let planeLog = '';
  try {
    // BENCH_PLANE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the plane's Node process.
    const nodeArgs = (process.env.BENCH_PLANE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    plane = spawn(process.execPath, localPlaneNodeArgs(nodeArgs), {
      env: {
        ...process.env,
        STREAMPLANE_HTTP_PORT: String(httpPort),
        STREAMPLANE_RTMP_PORT: String(rtmpPort),
        STREAMPLANE_SRT_PORT: 'off',
        STREAMPLANE_BIND: '127.0.0.1',
        STREAMPLANE_PUBLIC_HOST: '127.0.0.1',
        STREAMPLANE_DATA_DIR: dataDir,
        STREAMPLANE_API_TOKEN: TOKEN,
        STREAMPLANE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', process.env.BENCH_PLANE_LOGS ? 'inherit' : 'ignore', 'pipe'],
    });
    const planePid = plane.pid!;
    onChild(planePid, true);
    plane.stderr!.on('data', (c: Buffer) => {
      planeLog = (planeLog + c.toString('utf8')).slice(-8192);
      // BENCH_PLANE_LOGS=1 shows the plane's output (with BENCH_PLANE_NODE_ARGS="--trace-gc", its GC trace).
      if (process.env.BENCH_PLANE_LOGS) process.stderr.write(c);
    });
    const base = `http://127.0.0.1:${httpPort}`;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    };
    await until('the plane to answer /healthz', 60_000, async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined));
    const created = await api('POST', '/v1/streams', { name: 'bench overhead', reconnectWindowSeconds: 0 });
    if (created.status !== 201) throw new Error(`plane overhead: creating a stream answered ${created.status} ${JSON.stringify(created.body)}`);
    const { id, streamKey } = created.body as { id: string; streamKey: string };

    const publishOnce = async (extra: string[], whileLive?: () => Promise<void>) => {
      publisher = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', ...extra, '-i', flv, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/${streamKey}`], { stdio: 'ignore' });
      onChild(publisher.pid!, true);
      // Polled every 250 ms (a console polls every 3 s): the API's own cost stays out of the window anyway.
      await until('the stream to go live', 60_000, async () => ((await api('GET', `/v1/streams/${id}`)).body.status === 'live' ? true : undefined), 250);
      await whileLive?.();
      const publishCode = await exited(publisher);
      onChild(publisher.pid!, false);
      if (publishCode !== 0) throw new Error(`plane overhead: the publisher exited with ${publishCode}`);
      // The transcoder drains and exits once the publisher is gone; then its CPU is in the plane's cutime.
      await until('the transcoder to exit', 60_000, async () => ((await childrenOf(planePid)).some((c) => MEDIA_TOOLS.has(c.comm)) ? undefined : true), 250);
      await until('the stream to end', 60_000, async () => ((await api('GET', `/v1/streams/${id}`)).body.status !== 'live' ? true : undefined), 250);
    };
    // A first short publish loads (and, run from source, transpiles) the ingest's modules: a one-time cost
    // per task, not per streamed hour, so it is kept out of the figure.
    await publishOnce(['-t', '4']);

    // The idle cost over the same span, for context (timers, health checks): measured once the warm-up
    // session has ended, not right after start-up, when the plane is still loading and compiling modules.
    const idle0 = await procTimes(planePid);
    const idleStart = Date.now();
    await new Promise((r) => setTimeout(r, Math.min(mediaSeconds, 10) * 1000));
    const idle1 = await procTimes(planePid);
    const idleNodeCpuSeconds = ((idle1.self - idle0.self) * mediaSeconds * 1000) / (Date.now() - idleStart);

    // The measured session: the file as many times in a row as the window needs (one publish), the steady
    // window inside it.
    const sample = async () => {
      const t = await procTimes(planePid);
      const kids = await childrenOf(planePid);
      const media = kids.filter((k) => MEDIA_TOOLS.has(k.comm)).reduce((sum, k) => sum + k.cpu, 0);
      const helpers = kids.filter((k) => !MEDIA_TOOLS.has(k.comm)).reduce((sum, k) => sum + k.cpu, 0);
      return { node: t.self + helpers, media: t.children + media, at: Date.now() };
    };
    const start = await sample();
    let w0 = start;
    let w1 = start;
    let threads0 = new Map<string, ThreadCpu>();
    let threads1 = threads0;
    const plays = Math.ceil((STEADY_AFTER_LIVE_MS / 1000 + mediaSeconds + 5) / fileMediaSeconds);
    await publishOnce(['-stream_loop', String(plays - 1)], async () => {
      await new Promise((r) => setTimeout(r, STEADY_AFTER_LIVE_MS));
      threads0 = await threadTimes(planePid);
      w0 = await sample();
      await new Promise((r) => setTimeout(r, mediaSeconds * 1000));
      w1 = await sample();
      threads1 = await threadTimes(planePid);
    });
    const end = await sample();
    const windowSeconds = (w1.at - w0.at) / 1000;
    const nodeCpuSeconds = w1.node - w0.node;
    const childrenCpuSeconds = w1.media - w0.media;
    if (!(childrenCpuSeconds > 0)) throw new Error(`plane overhead: no transcoder CPU recorded; plane log:\n${planeLog}`);
    const fileScaled = fileTranscodeCpuSeconds !== undefined ? (fileTranscodeCpuSeconds * windowSeconds) / fileMediaSeconds : undefined;
    const transcode = Math.max(childrenCpuSeconds, fileScaled ?? 0);
    const sessionSeconds = (end.at - start.at) / 1000;
    const sessionNode = end.node - start.node;
    return {
      mediaSeconds: windowSeconds,
      nodeCpuSeconds,
      childrenCpuSeconds,
      ...(fileScaled !== undefined ? { fileTranscodeCpuSeconds: fileScaled } : {}),
      fraction: nodeCpuSeconds / transcode,
      idleNodeCpuSeconds: (idleNodeCpuSeconds * windowSeconds) / mediaSeconds,
      nodeThreads: threadDelta(planePid, threads0, threads1),
      session: {
        seconds: sessionSeconds,
        nodeCpuSeconds: sessionNode,
        childrenCpuSeconds: end.media - start.media,
        // What the session cost beyond its steady rate: probe, going live, recording, the end.
        oneOffNodeCpuSeconds: Math.max(0, sessionNode - (nodeCpuSeconds / windowSeconds) * sessionSeconds),
      },
    };
  } finally {
    kill(publisher, 'SIGKILL');
    if (plane) {
      kill(plane, 'SIGTERM');
      const gone = await Promise.race([exited(plane).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
      if (!gone) kill(plane, 'SIGKILL');
      onChild(plane.pid!, false);
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}
