/**
 * Keeps one ffmpeg running for one live stream: spawns it without a shell, feeds it the FLV the caller
 * writes, reads its progress and warnings from stderr, restarts it with exponential backoff when it dies,
 * and kills it on `stop`. The caller primes every new process: on `spawn` (emitted synchronously, before
 * any other write can reach the new stdin) it must write the FLV header, metadata and codec configuration,
 * then the stream from its latest keyframe.
 *
 * Must never: leave an ffmpeg running after `stop` or after this process exits, crash on a write to a
 * process that just died (EPIPE), or hold more than a bounded amount of input or stderr in memory.
 *
 * Longer than our ~400-line guideline on purpose: spawn, priming, progress, the stall watchdog, backoff
 * and shutdown are one lifecycle over one piece of run state; split apart, each part would need the rest.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { silentLogger, type Logger } from '../../../../core/ports/logger';

/** The part of a ChildProcess the supervisor uses (so tests can hand in a fake). */
export interface TranscoderProcess {
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stderr: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'spawn', listener: () => void): this;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
}

export type SpawnFn = (command: string, args: readonly string[], options: { stdio: ['pipe', 'ignore', 'pipe'] }) => TranscoderProcess;

/** One ffmpeg run: its arguments and (if it writes files) its output folder. */
export interface TranscoderRun {
  args: string[];
  outputDir?: string;
}

export interface TranscoderSupervisorOptions {
  /** Default `ffmpeg` (found on PATH). */
  ffmpegPath?: string;
  /** Called before every spawn: a restart may write to a fresh folder. */
  args: () => TranscoderRun | string[];
  /** Awaited before every spawn of a run with an output folder (create folders, hand it to the packager). */
  prepare?: (outputDir: string) => Promise<void>;
  logger?: Logger;
  spawn?: SpawnFn;
  /** Restart delays: `initialMs` doubling to `maxMs`; back to `initialMs` after a run of `stableAfterMs`. */
  backoff?: { initialMs?: number; maxMs?: number; stableAfterMs?: number };
  /** Restarts allowed over the supervisor's life. Default unlimited. */
  maxRestarts?: number;
  /** On stop: wait this long after closing stdin (ffmpeg finishes its segments), then SIGTERM. Default 5000. */
  drainMs?: number;
  /** On stop: wait this long after SIGTERM, then SIGKILL. Default 3000. */
  killAfterMs?: number;
  /** Input waiting in the pipe beyond this is dropped rather than buffered (ffmpeg fell behind). Default 32 MiB. */
  maxBacklogBytes?: number;
  /**
   * A run that is being fed input but reports no progress for this long is hung (a wedged decoder, a
   * stuck output): it is killed and restarted like a crash. Default 30000; 0 turns the watchdog off.
   */
  stallTimeoutMs?: number;
  /**
   * Input is held up to this long (or until COALESCE_MAX_BYTES wait) and handed to ffmpeg in one write.
   * 0 (the default): only what arrives within one tick is joined, no added delay.
   */
  coalesceMs?: number;
}

/** Held input beyond this is written at once, whatever `coalesceMs` says. */
const COALESCE_MAX_BYTES = 256 * 1024;

export interface TranscoderSpawnEvent {
  pid: number | undefined;
  /** Restarts before this run: 0 for the first spawn. */
  restarts: number;
  outputDir: string | undefined;
}

export interface TranscoderExitEvent {
  pid: number | undefined;
  code: number | null;
  signal: string | null;
  /** False when the exit was asked for (`stop`) or the restart budget is spent. */
  willRestart: boolean;
  /** Restarts before the run that exited. */
  restarts: number;
  /** Delay before the restart, when there is one. */
  restartInMs?: number;
  runMs: number;
  /** What went wrong, from ffmpeg's last warning or error lines (never input bytes). */
  message: string;
  /** Why the run ended: by itself, or killed by a watchdog (its own progress check, or the caller's). */
  reason: TranscoderExitReason;
}

export type TranscoderExitReason = 'exited' | 'stalled_progress' | 'stalled_output';

/** The latest `-progress` block ffmpeg wrote. */
export interface TranscoderProgress {
  frame?: number;
  fps?: number;
  /** Media time written so far, seconds. */
  outTimeSeconds?: number;
  /** Processing speed relative to real time. */
  speed?: number;
  dupFrames?: number;
  dropFrames?: number;
  totalSize?: number;
  ended: boolean;
}

export interface TranscoderSupervisorEvents {
  spawn: [TranscoderSpawnEvent];
  exit: [TranscoderExitEvent];
  progress: [TranscoderProgress];
}

type State = 'idle' | 'launching' | 'running' | 'backoff' | 'stopping' | 'stopped';

const STDERR_TAIL_LINES = 20;
const STDERR_LINE_MAX = 500;
/** ffmpeg warnings logged per run; a stream of identical complaints must not flood the log. */
const LOGGED_LINES_PER_RUN = 50;
const PIPE_ERRORS = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export class TranscoderSupervisor extends EventEmitter<TranscoderSupervisorEvents> {
  private state: State = 'idle';
  private child: TranscoderProcess | undefined;
  private runStartedAt = 0;
  private restartCount = 0;
  private backoffStep = 0;
  private backoffTimer: NodeJS.Timeout | undefined;
  private stopPromise: Promise<void> | undefined;
  private exitWaiters: Array<() => void> = [];
  private stderrTail: string[] = [];
  private loggedLines = 0;
  private dropping = false;
  /** Set while a stdin is corked (write coalescing): uncorks it, once; a later cork gets its own. */
  private pendingFlush: (() => void) | undefined;
  private progress: TranscoderProgress | undefined;
  private lastProgressAt = 0;
  private lastInputAt = 0;
  private stallReason: string | undefined;
  private stallKind: TranscoderExitReason = 'exited';
  private watchdog: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly spawnFn: SpawnFn;

  constructor(private readonly options: TranscoderSupervisorOptions) {
    super();
    this.log = options.logger ?? silentLogger;
    this.spawnFn = options.spawn ?? (nodeSpawn as unknown as SpawnFn);
  }

  /** The running ffmpeg's process id (undefined between runs). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get restarts(): number {
    return this.restartCount;
  }

  get lastProgress(): TranscoderProgress | undefined {
    return this.progress;
  }

  /**
   * Kills the running ffmpeg so it is restarted like a crash (backoff applies), reporting `reason` on the
   * exit. For watchdogs outside the supervisor (the session sees playlists stop advancing). SIGKILL,
   * because a hung or stopped (SIGSTOP) process ignores anything milder. False if no run is going.
   */
  restartRun(reason: Exclude<TranscoderExitReason, 'exited'>, message: string): boolean {
    const child = this.child;
    if (!child || this.state !== 'running') return false;
    this.stallReason = message;
    this.stallKind = reason;
    this.log.warn('transcoder: restarting ffmpeg', { pid: child.pid, reason, message });
    safeKill(child, 'SIGKILL');
    return true;
  }

  /** Spawns the first run; resolves once it is running, rejects if ffmpeg cannot be started at all. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`TranscoderSupervisor.start: already ${this.state}`);
    await this.launch(true);
  }

  /**
   * Hands input to the running ffmpeg. Returns false when it was dropped: between runs (the next run is
   * primed on `spawn`), while stopping, or while ffmpeg is too far behind.
   */
  write(chunk: Buffer): boolean {
    const stdin = this.child?.stdin;
    if (this.state !== 'running' || !stdin || stdin.destroyed || !stdin.writable) return false;
    const limit = this.options.maxBacklogBytes ?? 32 * 1024 * 1024;
    if (stdin.writableLength > limit) {
      if (!this.dropping) this.log.warn('transcoder: ffmpeg is behind; dropping input until it catches up', { backlogBytes: stdin.writableLength });
      this.dropping = true;
      return false;
    }
    if (this.dropping && stdin.writableLength > limit / 2) return false;
    this.dropping = false;
    // Tags parsed from one read of the publisher's socket reach ffmpeg in one writev, not one write each:
    // corked until the current callback is done, or for `coalesceMs`. Measured with bench:density
    // profiles, a pipe write per FLV tag was the plane's largest single cost per passthrough stream; each
    // write also wakes ffmpeg's reader.
    if (!this.pendingFlush) {
      stdin.cork();
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        if (this.pendingFlush !== flush) return;
        this.pendingFlush = undefined;
        clearTimeout(timer);
        stdin.uncork();
      };
      this.pendingFlush = flush;
      const coalesceMs = this.options.coalesceMs ?? 0;
      if (coalesceMs > 0) timer = setTimeout(flush, coalesceMs);
      else process.nextTick(flush);
    }
    stdin.write(chunk);
    if (stdin.writableLength >= COALESCE_MAX_BYTES) this.pendingFlush?.();
    this.lastInputAt = Date.now();
    return true;
  }

  /**
   * Closes ffmpeg's input so it finishes its last segments, then SIGTERM, then SIGKILL; resolves once it
   * has exited. No restart happens after this. Idempotent.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  /**
   * Ends the run at once (SIGKILL: ffmpeg finishes no segment) and for good: for a run whose plan turned
   * out wrong before it could cut its first segment (a fast start's provisional ladder). Resolves once
   * ffmpeg has exited. Like `stop`, idempotent, and whichever comes first decides.
   */
  abandon(): Promise<void> {
    this.stopPromise ??= (async () => {
      const previous = this.state;
      this.state = 'stopping';
      clearTimeout(this.backoffTimer);
      clearInterval(this.watchdog);
      const child = this.child;
      if (child && previous !== 'stopped') {
        const exited = this.waitForExit();
        safeKill(child, 'SIGKILL');
        await exited;
      }
      this.state = 'stopped';
    })();
    return this.stopPromise;
  }

  private async shutdown(): Promise<void> {
    const previous = this.state;
    this.state = 'stopping';
    clearTimeout(this.backoffTimer);
    clearInterval(this.watchdog);
    const child = this.child;
    if (child && previous !== 'stopped') {
      const exited = this.waitForExit();
      child.stdin?.end();
      if (!(await within(exited, this.options.drainMs ?? 5_000))) {
        this.log.warn('transcoder: ffmpeg did not finish after its input closed; sending SIGTERM', { pid: child.pid });
        safeKill(child, 'SIGTERM');
        if (!(await within(exited, this.options.killAfterMs ?? 3_000))) {
          this.log.warn('transcoder: ffmpeg ignored SIGTERM; sending SIGKILL', { pid: child.pid });
          safeKill(child, 'SIGKILL');
          await exited;
        }
      }
    }
    this.state = 'stopped';
  }

  private waitForExit(): Promise<void> {
    if (!this.child) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private async launch(first: boolean): Promise<void> {
    this.state = 'launching';
    const run = this.options.args();
    const { args, outputDir } = Array.isArray(run) ? { args: run, outputDir: undefined } : run;
    try {
      if (outputDir !== undefined) await this.options.prepare?.(outputDir);
    } catch (err) {
      if (first) {
        this.state = 'stopped';
        throw err;
      }
      this.afterExit(undefined, null, null, `preparing the run failed: ${errorMessage(err)}`, 0);
      return;
    }
    if (this.isStopping()) return;

    this.stderrTail = [];
    this.loggedLines = 0;
    this.dropping = false;
    const child = this.spawnFn(this.options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child = child;
    this.runStartedAt = Date.now();
    this.lastProgressAt = this.runStartedAt;
    this.stallReason = undefined;
    this.stallKind = 'exited';
    this.watchStalls(child);
    liveProcesses.add(child);
    ensureExitHook();

    let settled = false;
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', () => {
        settled = true;
        resolve();
      });
      // `on`, not `once`: a later error (a failed kill) must not go unhandled and take the plane down.
      child.on('error', (err) => {
        if (settled) {
          this.log.warn('transcoder: process error', { pid: child.pid, error: errorMessage(err) });
          return;
        }
        settled = true;
        reject(err);
        if (first) {
          // Nothing to restart: ffmpeg is missing or not executable, and start() reports it.
          this.child = undefined;
          liveProcesses.delete(child);
          this.state = 'stopped';
          return;
        }
        // A process that never started emits no 'exit': finish the run here.
        this.onExit(child, null, null, `ffmpeg could not be started: ${errorMessage(err)}`);
      });
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    child.stdin?.on('error', (err: NodeJS.ErrnoException) => {
      // The process died with input in flight; its exit is handled (and reported) separately.
      if (!PIPE_ERRORS.has(err.code ?? '')) this.log.warn('transcoder: stdin error', { pid: child.pid, error: err.message });
    });
    if (child.stderr) this.readStderr(child, child.stderr);

    this.state = 'running';
    // Synchronously, so the caller's priming bytes are the first the new process reads.
    if (!this.isStopping()) this.emit('spawn', { pid: child.pid, restarts: this.restartCount, outputDir });
    try {
      await spawned;
    } catch (err) {
      if (first) throw err;
    }
  }

  /** Kills a run that is fed input but has reported no progress for `stallTimeoutMs`. */
  private watchStalls(child: TranscoderProcess): void {
    clearInterval(this.watchdog);
    const limit = this.options.stallTimeoutMs ?? 30_000;
    if (limit <= 0) return;
    this.watchdog = setInterval(() => {
      if (this.child !== child || this.state !== 'running') return;
      const now = Date.now();
      const fed = now - this.lastInputAt < Math.min(5_000, limit / 4);
      if (!fed || now - this.lastProgressAt < limit) return;
      this.stallReason = `ffmpeg stalled: no progress for ${Math.round((now - this.lastProgressAt) / 1000)} s while receiving input`;
      this.stallKind = 'stalled_progress';
      this.log.warn('transcoder: ffmpeg stalled; killing it to restart', { pid: child.pid, stalledMs: now - this.lastProgressAt });
      safeKill(child, 'SIGKILL');
    }, Math.max(50, Math.min(1_000, limit / 4)));
    this.watchdog.unref();
  }

  private onExit(child: TranscoderProcess, code: number | null, signal: NodeJS.Signals | null, reason?: string): void {
    if (this.child !== child) return;
    clearInterval(this.watchdog);
    this.child = undefined;
    liveProcesses.delete(child);
    const runMs = Date.now() - this.runStartedAt;
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    waiters.forEach((resolve) => resolve());
    this.afterExit(child.pid, code, signal, reason ?? this.stallReason ?? this.exitMessage(code, signal), runMs, reason ? 'exited' : this.stallKind);
  }

  private afterExit(pid: number | undefined, code: number | null, signal: NodeJS.Signals | null, message: string, runMs: number, why: TranscoderExitReason = 'exited'): void {
    const restarts = this.restartCount;
    if (this.isStopping()) {
      this.emit('exit', { pid, code, signal, willRestart: false, restarts, runMs, message, reason: why });
      return;
    }
    const willRestart = restarts < (this.options.maxRestarts ?? Number.POSITIVE_INFINITY);
    const { initialMs = 500, maxMs = 10_000, stableAfterMs = 30_000 } = this.options.backoff ?? {};
    if (runMs >= stableAfterMs) this.backoffStep = 0;
    const delayMs = Math.min(maxMs, initialMs * 2 ** this.backoffStep);
    this.log.warn('transcoder: ffmpeg exited unexpectedly', { pid, code, signal, runMs, willRestart, restartInMs: willRestart ? delayMs : undefined, message });
    if (!willRestart) {
      this.state = 'stopped';
      this.emit('exit', { pid, code, signal, willRestart, restarts, runMs, message, reason: why });
      return;
    }
    this.backoffStep++;
    this.state = 'backoff';
    this.emit('exit', { pid, code, signal, willRestart, restarts, restartInMs: delayMs, runMs, message, reason: why });
    this.backoffTimer = setTimeout(() => {
      if (this.isStopping()) return;
      this.restartCount++;
      this.launch(false).catch((err: unknown) => this.log.error('transcoder: restart failed', { error: errorMessage(err) }));
    }, delayMs);
  }

  private isStopping(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  private exitMessage(code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    const lines = this.stderrTail.slice(-3);
    return lines.length > 0 ? `ffmpeg ${how}: ${lines.join(' | ')}` : `ffmpeg ${how}`;
  }

  /** Splits stderr into lines: `key=value` lines are progress, anything else is a warning worth keeping. */
  private readStderr(child: TranscoderProcess, stderr: Readable): void {
    let partial = '';
    let block: Record<string, string> = {};
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => {
      const lines = (partial + text).split(/\r\n|\n|\r/);
      partial = (lines.pop() ?? '').slice(0, 4 * STDERR_LINE_MAX);
      for (const line of lines) {
        const kv = /^([a-z0-9_]+)=(.*)$/.exec(line);
        if (kv) {
          block[kv[1]!] = kv[2]!.trim();
          if (kv[1] === 'progress') {
            this.onProgress(block);
            block = {};
          }
        } else if (line.trim() !== '') {
          this.onStderrLine(child, line.slice(0, STDERR_LINE_MAX));
        }
      }
    });
    stderr.on('error', () => undefined);
  }

  private onStderrLine(child: TranscoderProcess, line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    if (this.loggedLines < LOGGED_LINES_PER_RUN) this.log.warn('transcoder: ffmpeg says', { pid: child.pid, line });
    else if (this.loggedLines === LOGGED_LINES_PER_RUN) this.log.warn('transcoder: further ffmpeg output of this run is not logged', { pid: child.pid });
    this.loggedLines++;
  }

  private onProgress(block: Record<string, string>): void {
    const num = (key: string): number | undefined => {
      const value = Number.parseFloat(block[key] ?? '');
      return Number.isFinite(value) ? value : undefined;
    };
    const outTimeUs = num('out_time_us') ?? num('out_time_ms');
    const progress: TranscoderProgress = { ended: block.progress === 'end' };
    const set = <K extends keyof TranscoderProgress>(key: K, value: TranscoderProgress[K] | undefined) => {
      if (value !== undefined) progress[key] = value;
    };
    set('frame', num('frame'));
    set('fps', num('fps'));
    set('outTimeSeconds', outTimeUs === undefined ? undefined : outTimeUs / 1e6);
    set('speed', num('speed'));
    set('dupFrames', num('dup_frames'));
    set('dropFrames', num('drop_frames'));
    set('totalSize', num('total_size'));
    this.progress = progress;
    this.lastProgressAt = Date.now();
    this.emit('progress', progress);
  }
}

/** Every ffmpeg this process started and that has not exited yet. */
const liveProcesses = new Set<TranscoderProcess>();
let exitHookInstalled = false;

/** Last resort: if the plane exits without stopping its sessions, its ffmpegs go with it. */
function ensureExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveProcesses) safeKill(child, 'SIGKILL');
  });
}

function safeKill(child: TranscoderProcess, signal: NodeJS.Signals): void {
  try {
    child.kill(signal);
  } catch {
    // Already gone.
  }
}

async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
