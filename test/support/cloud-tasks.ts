/**
 * Ingest tasks as separate processes (test/support/peers/cloud-task.ts) for tests of what happens across
 * tasks: each is started with the dynalite and s3rver endpoints in its environment, reports its RTMP port
 * and every event it puts on the bus (type and detail), and is stopped by its pid.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface TaskEvent {
  type: string;
  streamId?: string;
  sessionId?: string;
  data: Record<string, unknown>;
  /** When this process read it. */
  seenAt: number;
}

export interface CloudTask {
  id: string;
  rtmpPort: number;
  /** Event types in the order the task put them on the bus. */
  events: string[];
  /** The same events with their detail. */
  detailed: TaskEvent[];
  stop(): Promise<void>;
  /** SIGKILL: the task is lost (no flush, no last heartbeat, no lease release). */
  kill(): Promise<void>;
}

export async function startCloudTask(id: string, env: Record<string, string>): Promise<CloudTask> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'peers/cloud-task.ts')], { env: { ...process.env, ...env, TASK_ID: id }, stdio: ['ignore', 'pipe', 'inherit'] });
  const events: string[] = [];
  const detailed: TaskEvent[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const rtmpPort = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.startsWith('READY ')) resolve(Number(line.slice(6)));
        else if (line.startsWith('EVENT ')) {
          const rest = line.slice(6);
          const space = rest.indexOf(' ');
          const type = space < 0 ? rest : rest.slice(0, space);
          events.push(type);
          const detail = space < 0 ? {} : (JSON.parse(rest.slice(space + 1)) as { streamId?: string; sessionId?: string; data?: Record<string, unknown> });
          detailed.push({ type, ...(detail.streamId ? { streamId: detail.streamId } : {}), ...(detail.sessionId ? { sessionId: detail.sessionId } : {}), data: detail.data ?? {}, seenAt: Date.now() });
        }
      }
    });
    void exited.then(() => reject(new Error(`task ${id} exited before it was ready`)));
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, sig);
    await exited;
  };
  return { id, rtmpPort, events, detailed, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}
