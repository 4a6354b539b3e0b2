/**
 * The transcoder end to end with the real ffmpeg and ffprobe: FLV piped into a supervised ffmpeg comes
 * out as aligned MPEG-TS segments and a CSV list per rung at the planned sizes; a killed ffmpeg is
 * restarted, primed, and carries on; the probe measures real FLV. Plus the supervisor's restart, stop
 * and broken-pipe behaviour against a fake process, where timing can be controlled.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { planLadder, type LadderPlan } from '../../core/transcode/ladder';
import { buildTranscodeArgs } from '../../containers/ingest/src/transcoder/ffmpeg-args';
import { probeSource } from '../../containers/ingest/src/transcoder/source-probe';
import {
  TranscoderSupervisor,
  type TranscoderExitEvent,
  type TranscoderProcess,
  type TranscoderSpawnEvent,
} from '../../containers/ingest/src/transcoder/supervisor';
import { staysTrue, waitFor } from '../support/wait';

function runTool(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}: ${err}`))));
  });
}

async function makeFlv(file: string, args: string[]): Promise<Buffer> {
  await runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args, '-f', 'flv', file]);
  return readFile(file);
}

async function videoSize(file: string): Promise<{ width: number; height: number }> {
  const json = JSON.parse(await runTool('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', file])) as {
    streams: Array<{ width: number; height: number }>;
  };
  const s = json.streams[0];
  if (!s) throw new Error(`no video in ${file}`);
  return s;
}

async function csvLines(dir: string): Promise<Array<{ file: string; start: number; end: number }>> {
  const text = await readFile(join(dir, 'segments.csv'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [file = '', start = '', end = ''] = line.split(',');
      return { file, start: Number(start), end: Number(end) };
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('transcoder with the real ffmpeg', () => {
  let dir: string;
  let flv: Buffer;
  let plan: LadderPlan;
  const supervisors: TranscoderSupervisor[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamplane-transcoder-'));
    // 6 s of 720p30 with 1 s keyframes: passthrough 720p plus two encoded rungs, cheap on two cores.
    flv = await makeFlv(join(dir, 'source.flv'), [
      '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
      '-b:v', '1500k', '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
    ]);
    plan = planLadder(await probeSource(flv.subarray(0, Math.min(flv.length, 1_500_000))), {});
  });

  afterEach(async () => {
    // Whatever a test left running is stopped here, so no ffmpeg outlives the suite.
    await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function supervise(runRoot: string, options: { onSpawn?: (s: TranscoderSpawnEvent, sup: TranscoderSupervisor) => void } = {}) {
    let run = 0;
    const spawns: TranscoderSpawnEvent[] = [];
    const exits: TranscoderExitEvent[] = [];
    const supervisor = new TranscoderSupervisor({
      args: () => {
        const outputDir = join(runRoot, `run-${++run}`);
        return { args: buildTranscodeArgs(plan, { input: 'pipe:0', inputFormat: 'flv', outputDir }), outputDir };
      },
      prepare: async (outputDir) => {
        for (const r of plan.renditions) await mkdir(join(outputDir, r.name), { recursive: true });
      },
      backoff: { initialMs: 100 },
      drainMs: 20_000,
    });
    supervisors.push(supervisor);
    supervisor.on('spawn', (s) => {
      spawns.push(s);
      options.onSpawn?.(s, supervisor);
    });
    supervisor.on('exit', (e) => exits.push(e));
    return { supervisor, spawns, exits };
  }

  it('plans passthrough 720p plus 480p and 360p for the test source', () => {
    assert.equal(plan.topRung, 'passthrough', plan.reason);
    assert.deepEqual(plan.renditions.map((r) => r.name), ['720p', '480p', '360p']);
  });

  it('writes segments and a CSV list for every rung, aligned, at the planned sizes', async () => {
    const root = join(dir, 'full');
    const { supervisor, exits } = supervise(root);
    await supervisor.start();
    const pid = supervisor.pid!;
    assert.ok(pid > 0);
    for (let offset = 0; offset < flv.length; offset += 64 * 1024) supervisor.write(flv.subarray(offset, offset + 64 * 1024));

    await supervisor.stop();

    assert.equal(alive(pid), false, 'ffmpeg has exited');
    assert.deepEqual(exits.map((e) => [e.code, e.willRestart]), [[0, false]]);
    const lists = new Map<string, Array<{ file: string; start: number; end: number }>>();
    for (const r of plan.renditions) {
      const out = join(root, 'run-1', r.name);
      const lines = await csvLines(out);
      lists.set(r.name, lines);
      assert.ok(lines.length >= 3, `${r.name}: ${lines.length} segments listed`);
      const files = (await readdir(out)).filter((f) => f.endsWith('.ts')).sort();
      assert.deepEqual(lines.map((l) => l.file), files, `${r.name}: every segment file is listed once, in order`);
      assert.match(lines[0]!.file, /^seg_000000\.ts$/);
      for (const line of lines.slice(0, -1)) assert.ok(Math.abs(line.end - line.start - 2) < 0.1, `${r.name} ${line.file} lasts ${line.end - line.start}`);
      assert.deepEqual(await videoSize(join(out, lines[1]!.file)), { width: r.width, height: r.height }, r.name);
    }
    const [top, ...others] = [...lists.values()];
    for (const other of others) {
      assert.equal(other.length, top!.length, 'same number of segments in every rung');
      other.forEach((line, i) => assert.ok(Math.abs(line.start - top![i]!.start) < 0.002, `segment ${i} starts at ${line.start} here, at ${top![i]!.start} in the top rung`));
    }
  });

  it('restarts a killed ffmpeg, reports the exit, and carries on once the caller primes it', async () => {
    const root = join(dir, 'restart');
    const { supervisor, spawns, exits } = supervise(root, {
      // The caller's job on a restart: FLV header and everything from a keyframe (here: from the start).
      onSpawn: (s, sup) => {
        if (s.restarts > 0) sup.write(flv);
      },
    });
    await supervisor.start();
    // Half the stream, and the pipe stays open: ffmpeg waits for more.
    supervisor.write(flv.subarray(0, Math.floor(flv.length / 2)));
    await waitFor('first segment of run 1', async () => (await csvLines(join(root, 'run-1', '360p'))).length > 0, { timeoutMs: 20_000, intervalMs: 100 });
    const firstPid = supervisor.pid!;

    process.kill(firstPid, 'SIGKILL');

    const exit = await waitFor('exit event', () => exits[0], { timeoutMs: 10_000, intervalMs: 20 });
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.willRestart, true);
    assert.equal(exit.restarts, 0);
    assert.equal(exit.pid, firstPid);
    assert.match(exit.message, /killed by SIGKILL/);
    await waitFor('restart', () => spawns.length === 2, { timeoutMs: 10_000, intervalMs: 20 });
    assert.equal(spawns[1]!.restarts, 1);
    assert.equal(spawns[1]!.outputDir, join(root, 'run-2'));
    const secondPid = supervisor.pid!;
    assert.notEqual(secondPid, firstPid);
    assert.equal(alive(firstPid), false);

    await supervisor.stop();

    assert.equal(alive(secondPid), false);
    for (const r of plan.renditions) {
      const lines = await csvLines(join(root, 'run-2', r.name));
      assert.ok(lines.length >= 3, `${r.name}: the restarted run wrote ${lines.length} segments`);
    }
    assert.deepEqual(exits.map((e) => e.willRestart), [true, false]);
  });
});

describe('probeSource on real FLV', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamplane-probe-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('measures a 640x360 25 fps H.264 + AAC stream with 1 s keyframes, cut mid-tag like a live buffer', async () => {
    const flv = await makeFlv(join(dir, 'av.flv'), [
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-b:v', '800k',
      '-c:a', 'aac', '-b:a', '96k', '-ac', '2',
    ]);

    const info = await probeSource(flv.subarray(0, Math.floor(flv.length * 0.9)));

    assert.equal(info.video?.codec, 'h264');
    assert.equal(info.video?.width, 640);
    assert.equal(info.video?.height, 360);
    assert.equal(info.video?.fps, 25);
    assert.ok(Math.abs((info.video?.keyframeIntervalSeconds ?? 0) - 1) < 0.05, String(info.video?.keyframeIntervalSeconds));
    assert.ok((info.video?.bitrateKbps ?? 0) > 100, String(info.video?.bitrateKbps));
    assert.deepEqual([info.audio?.codec, info.audio?.sampleRate, info.audio?.channels], ['aac', 44_100, 2]);
  });

  it('recognises an audio-only stream', async () => {
    const flv = await makeFlv(join(dir, 'a.flv'), ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2', '-c:a', 'aac', '-b:a', '64k']);
    const info = await probeSource(flv);
    assert.equal(info.video, undefined);
    assert.deepEqual([info.audio?.codec, info.audio?.sampleRate], ['aac', 48_000]);
  });
});

/** A process double: exits when told to, or on a signal unless it is set to ignore SIGTERM. */
class FakeProcess extends EventEmitter {
  static nextPid = 90_000;
  readonly pid = FakeProcess.nextPid++;
  readonly stderr = new PassThrough();
  readonly received: Buffer[] = [];
  /** Chunks per write reaching the process (a writev of corked input counts as one). */
  readonly batches: number[] = [];
  readonly signals: string[] = [];
  exited = false;
  stdin: Writable;

  constructor(private readonly behaviour: { ignoreTerm?: boolean; exitOnEof?: boolean; brokenPipe?: boolean } = {}) {
    super();
    this.stdin = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (this.behaviour.brokenPipe) return done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        this.received.push(chunk);
        this.batches.push(1);
        done();
      },
      writev: (chunks, done) => {
        if (this.behaviour.brokenPipe) return done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        for (const { chunk } of chunks) this.received.push(chunk as Buffer);
        this.batches.push(chunks.length);
        done();
      },
      final: (done) => {
        done();
        if (this.behaviour.exitOnEof !== false) setImmediate(() => this.exit(0, null));
      },
    });
    setImmediate(() => this.emit('spawn'));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    if (signal === 'SIGTERM' && this.behaviour.ignoreTerm) return true;
    setImmediate(() => this.exit(null, signal));
    return true;
  }

  exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code, signal);
  }
}

describe('TranscoderSupervisor with a fake ffmpeg', () => {
  function fakeSupervisor(behaviours: Array<ConstructorParameters<typeof FakeProcess>[0]>, extra: Partial<ConstructorParameters<typeof TranscoderSupervisor>[0]> = {}) {
    const processes: FakeProcess[] = [];
    const spawnedArgs: Array<readonly string[]> = [];
    const supervisor = new TranscoderSupervisor({
      args: () => ['-i', 'pipe:0'],
      spawn: (_cmd, args) => {
        spawnedArgs.push(args);
        const p = new FakeProcess(behaviours[processes.length] ?? {});
        processes.push(p);
        return p as unknown as TranscoderProcess;
      },
      backoff: { initialMs: 20, maxMs: 80, stableAfterMs: 10_000 },
      ...extra,
    });
    const exits: TranscoderExitEvent[] = [];
    supervisor.on('exit', (e) => exits.push(e));
    return { supervisor, processes, exits, spawnedArgs };
  }

  it('backs off exponentially between restarts, up to the cap', async () => {
    const { supervisor, processes, exits } = fakeSupervisor([]);
    await supervisor.start();
    for (let i = 0; i < 4; i++) {
      await waitFor(`run ${i + 1}`, () => processes.length === i + 1, { timeoutMs: 2_000, intervalMs: 5 });
      processes[i]!.exit(1, null);
    }
    await waitFor('4 exits', () => exits.length === 4, { timeoutMs: 2_000, intervalMs: 5 });
    assert.deepEqual(exits.map((e) => e.restartInMs), [20, 40, 80, 80]);
    assert.deepEqual(exits.map((e) => e.restarts), [0, 1, 2, 3]);
    await supervisor.stop();
  });

  it('kills and restarts a run that is fed input but reports no progress, and only then', async () => {
    const { supervisor, processes, exits } = fakeSupervisor([], { stallTimeoutMs: 200 });
    const progressAt: number[] = [];
    supervisor.on('progress', () => progressAt.push(Date.now()));
    await supervisor.start();
    let reportProgress = true;
    let feed = true;
    const feeder = setInterval(() => {
      if (feed) supervisor.write(Buffer.from('media'));
      if (reportProgress) processes.at(-1)?.stderr.write('frame=1\nout_time_us=1000\nprogress=continue\n');
    }, 20);
    try {
      // Over 2.5 stall limits of input with progress the run is never replaced; a restart would show at once.
      await staysTrue('a run that reports progress is left alone', () => processes.length === 1 && exits.length === 0, { forMs: 500, intervalMs: 10 });
      // The premise held: the supervisor saw progress all through the window, not just at its start.
      assert.ok(progressAt.length >= 10 && Date.now() - (progressAt.at(-1) as number) < 200, `progress events: ${progressAt.length}`);
      assert.equal(processes.length, 1, 'a run that reports progress is left alone');
      reportProgress = false;
      await waitFor('a restart of the stalled run', () => processes.length === 2 || undefined, { timeoutMs: 5_000, intervalMs: 10 });
      assert.deepEqual(processes[0]!.signals, ['SIGKILL']);
      assert.equal(exits[0]?.willRestart, true);
      assert.match(exits[0]?.message ?? '', /stalled/);
      // Without input there is nothing to make progress on: an idle run is not a stalled one. Over 2.5
      // stall limits without input or progress, a kill (a signal, an exit) or a new run would show at once.
      feed = false;
      const idle = processes[1]!;
      const received = idle.received.length;
      await staysTrue('an idle run is left alone', () => processes.length === 2 && exits.length === 1 && idle.signals.length === 0, { forMs: 500, intervalMs: 10 });
      assert.equal(idle.received.length, received, 'the run really was idle');
      assert.equal(processes.length, 2, 'an idle run is left alone');
    } finally {
      clearInterval(feeder);
      await supervisor.stop();
    }
  });

  it('gives the new process to the caller on spawn before anything else is written', async () => {
    const { supervisor, processes } = fakeSupervisor([]);
    supervisor.on('spawn', (s) => {
      if (s.restarts > 0) supervisor.write(Buffer.from('FLV-header+config+gop'));
    });
    await supervisor.start();
    assert.equal(supervisor.write(Buffer.from('live')), true);
    processes[0]!.exit(1, null);
    // Between runs input is dropped: the next run is primed from a keyframe instead.
    assert.equal(supervisor.write(Buffer.from('lost')), false);
    await waitFor('restart', () => processes.length === 2, { timeoutMs: 2_000, intervalMs: 5 });
    supervisor.write(Buffer.from('next'));
    await supervisor.stop();
    assert.deepEqual(processes[1]!.received.map(String), ['FLV-header+config+gop', 'next']);
  });

  it('escalates to SIGTERM and then SIGKILL when ffmpeg does not finish on end of input', async () => {
    const { supervisor, processes, exits } = fakeSupervisor([{ exitOnEof: false, ignoreTerm: true }], { drainMs: 30, killAfterMs: 30 });
    await supervisor.start();

    await supervisor.stop();

    assert.deepEqual(processes[0]!.signals, ['SIGTERM', 'SIGKILL']);
    assert.equal(exits.length, 1);
    assert.equal(exits[0]!.willRestart, false);
    assert.equal(processes.length, 1, 'no restart after stop');
  });

  it('joins the input of one tick into one write by default, and of coalesceMs when asked', async () => {
    const writeAcrossTicks = async (supervisor: TranscoderSupervisor) => {
      supervisor.write(Buffer.from('a'));
      supervisor.write(Buffer.from('b'));
      await new Promise((r) => setImmediate(r));
      supervisor.write(Buffer.from('c'));
    };
    const tick = fakeSupervisor([]);
    await tick.supervisor.start();
    await writeAcrossTicks(tick.supervisor);
    await waitFor('the input to arrive', () => tick.processes[0]!.received.length === 3, { timeoutMs: 2_000, intervalMs: 5 });
    assert.deepEqual(tick.processes[0]!.batches, [2, 1]);
    await tick.supervisor.stop();

    const held = fakeSupervisor([], { coalesceMs: 60_000 });
    await held.supervisor.start();
    await writeAcrossTicks(held.supervisor);
    await staysTrue('the input held', () => held.processes[0]!.received.length === 0, { forMs: 100 });
    // Past COALESCE_MAX_BYTES it goes at once, with what was held before it, in order.
    held.supervisor.write(Buffer.alloc(256 * 1024, 1));
    await waitFor('the held input to arrive', () => held.processes[0]!.received.length === 4, { timeoutMs: 2_000, intervalMs: 5 });
    assert.deepEqual(held.processes[0]!.batches, [4]);
    assert.equal(Buffer.concat(held.processes[0]!.received.slice(0, 3)).toString(), 'abc');
    // Held input is not lost on stop: ending the input writes it first.
    held.supervisor.write(Buffer.from('d'));
    await held.supervisor.stop();
    assert.equal(held.processes[0]!.received.at(-1)?.toString(), 'd');
  });

  it('survives writes into a broken pipe', async () => {
    const { supervisor, processes } = fakeSupervisor([{ brokenPipe: true }]);
    await supervisor.start();
    supervisor.write(Buffer.from('x'));
    supervisor.write(Buffer.from('y'));
    processes[0]!.exit(1, null);
    await supervisor.stop();
  });

  it('keeps the last stderr lines for the exit message and turns -progress blocks into progress events', async () => {
    const { supervisor, processes, exits } = fakeSupervisor([]);
    const progress: unknown[] = [];
    supervisor.on('progress', (p) => progress.push(p));
    await supervisor.start();
    const p = processes[0]!;
    p.stderr.write('frame=30\nfps=29.9\nout_time_us=1000000\nspeed=1.5x\nprogress=continue\n');
    p.stderr.write('[flv @ 0x1] Packet mismatch\n' + 'x'.repeat(10_000) + '\n');
    await waitFor('progress', () => progress.length === 1 && supervisor.lastProgress !== undefined, { timeoutMs: 1_000, intervalMs: 5 });
    p.exit(1, null);
    await waitFor('exit', () => exits.length === 1, { timeoutMs: 1_000, intervalMs: 5 });

    assert.deepEqual(progress[0], { ended: false, frame: 30, fps: 29.9, outTimeSeconds: 1, speed: 1.5 });
    assert.match(exits[0]!.message, /^ffmpeg exited with code 1: \[flv @ 0x1\] Packet mismatch \| x{500}$/);
    await supervisor.stop();
  });

  it('does not restart after the restart budget is spent', async () => {
    const { supervisor, processes, exits } = fakeSupervisor([], { maxRestarts: 1 });
    await supervisor.start();
    processes[0]!.exit(1, null);
    await waitFor('restart', () => processes.length === 2, { timeoutMs: 2_000, intervalMs: 5 });
    processes[1]!.exit(1, null);
    await waitFor('exit 2', () => exits.length === 2, { timeoutMs: 2_000, intervalMs: 5 });
    assert.deepEqual(exits.map((e) => e.willRestart), [true, false]);
    await supervisor.stop();
  });

  it('rejects start when ffmpeg cannot be spawned at all', async () => {
    const supervisor = new TranscoderSupervisor({ ffmpegPath: '/nonexistent/ffmpeg', args: () => [] });
    await assert.rejects(supervisor.start(), /ENOENT/);
    await supervisor.stop();
  });
});
