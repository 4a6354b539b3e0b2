/**
 * The plane under soak, as a user runs it: `bin/local-plane.ts` in its own process, so it can be
 * SIGKILLed and restarted on the same data dir and ports. Must never leave the process running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { localPlaneNodeArgs } from '../../bin/plane-node-flags';
import { waitFor } from '../../test/support/wait';

const root = new URL('../..', import.meta.url).pathname;

export interface PlaneProcess {
  readonly base: string;
  readonly rtmpBase: string;
  readonly pid: number | undefined;
  /** Starts (or restarts) the plane and waits for /healthz. */
  start(): Promise<void>;
  /** SIGKILL, no cleanup: what a crash or an OOM kill looks like. */
  crash(): Promise<void>;
  /** SIGTERM and wait for a clean exit; true when it exited with code 0. */
  stop(): Promise<boolean>;
}

export function planeProcess(options: { httpPort: number; rtmpPort: number; env: Record<string, string>; log?: (line: string) => void }): PlaneProcess {
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  const base = `http://127.0.0.1:${options.httpPort}`;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    base,
    rtmpBase: `rtmp://127.0.0.1:${options.rtmpPort}`,
    get pid() {
      return running() ? child?.pid : undefined;
    },
    async start() {
      // SRT is off: its default UDP port would clash with other planes on the machine (tests run side by side).
      const env = { ...process.env, STREAMPLANE_SRT_PORT: 'off', ...options.env, STREAMPLANE_HTTP_PORT: String(options.httpPort), STREAMPLANE_RTMP_PORT: String(options.rtmpPort) };
      child = spawn(process.execPath, localPlaneNodeArgs(), { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
      const started = child;
      let tail = '';
      started.stderr?.on('data', (d: Buffer) => {
        tail = (tail + d.toString()).slice(-4000);
        for (const line of d.toString().split('\n')) if (line.trim()) options.log?.(line);
      });
      exited = new Promise((resolve) => started.once('exit', (code) => resolve(code)));
      await waitFor('the plane to answer /healthz', async () => {
        if (started.exitCode !== null) throw new Error(`the plane exited with ${started.exitCode}: ${tail}`);
        return (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200;
      }, { timeoutMs: 90_000, intervalMs: 250 });
    },
    async crash() {
      if (!running()) return;
      child!.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!running()) return true;
      child!.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code === 0;
    },
  };
}
