/**
 * One attempt of a pull as a child process: ffmpeg spawned without a shell, the source named on its stdin
 * (pull-args.ts: never in argv), its stderr kept as a short
 * tail (for `lastError`, redacted by the runner), killed on request (SIGTERM, then SIGKILL). The runner
 * takes a `PullLauncher`, so tests can run it with fake processes.
 *
 * Must never: outlive `kill()`, hold more than a bounded tail of stderr, or log its arguments or script.
 */
import { spawn } from 'node:child_process';

export interface PullExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines ffmpeg wrote (unredacted: the runner redacts before anything leaves). */
  stderrTail: string;
}

export interface PullProcess {
  readonly pid?: number | undefined;
  readonly exited: Promise<PullExit>;
  /** Stops the attempt; resolves once the process is gone. */
  kill(): Promise<void>;
}

/** `script` (secret-bearing: it names the source) goes to the process's stdin, never into its argv. */
export type PullLauncher = (args: string[], script: string) => PullProcess;

const MAX_TAIL = 2_000;

export function ffmpegLauncher(ffmpegPath: string, killAfterMs = 2_000): PullLauncher {
  return (args, script) => {
    const child = spawn(ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(script);
    let tail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-MAX_TAIL);
    });
    const exited = new Promise<PullExit>((resolve) => {
      child.once('error', (err) => resolve({ code: null, signal: null, stderrTail: `could not start ffmpeg: ${err.message}` }));
      child.once('close', (code, signal) => resolve({ code, signal, stderrTail: tail }));
    });
    return {
      pid: child.pid,
      exited,
      async kill() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        await exited;
        clearTimeout(timer);
      },
    };
  };
}

/** The line of stderr that says why an attempt ended (ffmpeg prints the cause last). */
export function exitReason(exit: PullExit): string {
  const lines = exit.stderrTail
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Conversion failed!?$/i.test(l));
  const last = lines.slice(-2).join(' — ');
  if (last) return last;
  if (exit.signal) return `the pull process was killed (${exit.signal})`;
  return exit.code === 0 ? 'the source ended' : `ffmpeg exited with code ${exit.code}`;
}
