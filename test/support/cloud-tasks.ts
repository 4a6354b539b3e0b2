/**
 * Ingest tasks as separate processes (test/support/peers/cloud-task.ts) for tests of what happens across
 * tasks: each is started with the dynalite and s3rver endpoints in its environment, reports its RTMP port
 * and every event it puts on the bus (type and detail), and is stopped by its pid.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { DynamoDbIngestHeartbeats } from '../../adapters/dynamodb-ingest-heartbeats';
import { DynamoDbOutputLeaseStore } from '../../adapters/dynamodb-output-lease';
import { stopAll } from './ffmpeg';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from './local-dynamo';
import { startTestS3, type TestS3 } from './local-s3';

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

export interface CloudTaskEnv {
  /** dynalite holding the plane's table (started before the describe's tests). */
  readonly dynamo: TestDynamo;
  /** s3rver holding the media bucket. */
  readonly s3: TestS3;
  /** Starts ingest task processes against this dynalite and s3rver, each with its own data directory. */
  startTasks(ids: string[], env?: Record<string, string>): Promise<CloudTask[]>;
}

/**
 * One dynalite, one s3rver and the task processes of a describe block: started in its `before`, and in its
 * `after` every publisher, task, server and data directory is stopped or removed.
 */
export function useCloudTaskEnv(bucket: string): CloudTaskEnv {
  let dynamo: TestDynamo | undefined;
  let s3: TestS3 | undefined;
  const scratch: string[] = [];
  const tasks: CloudTask[] = [];
  before(async () => {
    dynamo = await startTestDynamo();
    s3 = await startTestS3(bucket);
  });
  after(async () => {
    await stopAll();
    for (const task of tasks) await task.stop();
    await s3?.stop();
    await dynamo?.stop();
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useCloudTaskEnv: used before its before() hook ran');
    return value;
  };
  return {
    get dynamo() {
      return started(dynamo);
    },
    get s3() {
      return started(s3);
    },
    async startTasks(ids, env = {}) {
      const endpoint = await started(s3).client.config.endpoint?.();
      const s3Endpoint = `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`;
      const mine: CloudTask[] = [];
      for (const id of ids) {
        const dir = await mkdtemp(join(tmpdir(), `streamplane-${id}-`));
        scratch.push(dir);
        const task = await startCloudTask(id, { TASK_DYNAMO_ENDPOINT: started(dynamo).server.endpoint, TASK_S3_ENDPOINT: s3Endpoint, TASK_BUCKET: bucket, TASK_TABLE: TEST_TABLE, TASK_DATA_DIR: dir, ...env });
        tasks.push(task);
        mine.push(task);
      }
      return mine;
    },
  };
}

/**
 * What the plane's table says about one stream across tasks, as the backup-across-tasks tests read it:
 * who holds its live output lease (`leaseHolder(task, 'live')`, undefined when released or expired) and
 * whether a task's latest heartbeat lists it.
 */
export interface TaskStateReaders {
  holder(): Promise<string | undefined>;
  carries(taskId: string): Promise<boolean>;
}

export function taskStateReaders(dynamo: TestDynamo, streamId: string): TaskStateReaders {
  const leases = new DynamoDbOutputLeaseStore({ tableName: TEST_TABLE, client: dynamo.client });
  const heartbeats = new DynamoDbIngestHeartbeats({ tableName: TEST_TABLE, client: dynamo.client });
  return {
    holder: async () => {
      const lease = await leases.get(streamId);
      return lease && !lease.released && lease.expiresAt.getTime() > Date.now() ? lease.holder : undefined;
    },
    carries: async (taskId) => (await heartbeats.get(taskId))?.streamIds.includes(streamId) ?? false,
  };
}

/**
 * Samples `read` every `intervalMs` until `stop()`: the distinct values in the order seen (repeats folded),
 * e.g. the lease holders across a hand-over.
 */
export function watchValues<T>(read: () => Promise<T>, intervalMs = 100): { stop(): Promise<T[]> } {
  const seen: T[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const value = await read().catch(() => undefined as T);
      if (seen.length === 0 || seen[seen.length - 1] !== value) seen.push(value);
      await new Promise((r) => setTimeout(r, intervalMs).unref());
    }
  })();
  return { stop: async () => { running = false; await loop; return seen; } };
}
