/**
 * The upload side of one rendition: its queue of listed segments, published one at a time in listing
 * order by a single worker (renditions proceed in parallel), and the step that takes one segment from
 * scratch to the store — wait until ffmpeg closed the file, then move it into the store or read and put it,
 * with retries.
 * Must never publish a rendition's segments out of order, run two workers for one rendition, or treat a
 * segment as stored before the put succeeded.
 */
import { access, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { canAdoptFiles, type ObjectStore, type PutOptions } from '../../../../core/ports/object-store';
import type { Generation } from './generation-timeline';
import { retry, type RetryPolicy } from './retry';
import { nextSegmentFilename, type SegmentListEntry } from './segment-list';

/** Published segments never change: CDNs and players may keep them for a year. */
export const SEGMENT_PUT_OPTIONS: PutOptions = { contentType: 'video/mp2t', cacheControl: 'public, max-age=31536000, immutable' };

/** A listed segment waiting to be published under its sequence number. */
export interface UploadJob {
  gen: Generation;
  sequence: number;
  entry: SegmentListEntry;
  /** Its file on scratch. */
  file: string;
  pdtMs?: number;
  detectedAtMs: number;
}

export interface UploadWorkerHooks {
  signal: AbortSignal;
  /** After `publish` finished a job (it has left the queue). */
  onPublished(job: UploadJob): void;
  /** `publish` threw (not because of the abort): the worker stops; the next listed segment restarts it. */
  onFailure(err: unknown): void;
  /** The worker went idle. */
  onIdle(): void;
}

export class UploadWorker {
  private readonly queue: UploadJob[] = [];
  private working = false;

  constructor(
    private readonly publish: (job: UploadJob) => Promise<void>,
    private readonly hooks: UploadWorkerHooks,
  ) {}

  /** Listed, not yet published. */
  get queued(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.working;
  }

  push(job: UploadJob): void {
    this.queue.push(job);
    void this.run();
  }

  private async run(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (this.queue.length > 0 && !this.hooks.signal.aborted) {
        const job = this.queue[0] as UploadJob;
        await this.publish(job);
        this.queue.shift();
        this.hooks.onPublished(job);
      }
    } catch (err) {
      if (!this.hooks.signal.aborted) this.hooks.onFailure(err);
    } finally {
      this.working = false;
      this.hooks.onIdle();
    }
  }
}

export interface SegmentUpload {
  store: ObjectStore;
  retryPolicy: RetryPolicy;
  /** How long a listed file's size must hold still to count as complete. */
  settleMs: number;
  signal: AbortSignal;
  onReadRetry(err: unknown): void;
  onUploadRetry(err: unknown, attempt: number, waitMs: number): void;
}

/** What `uploadSegment` did with one listed segment. */
export interface SegmentUploadResult {
  /** False: the file vanished from scratch and nothing was stored (the caller publishes a gap). */
  stored: boolean;
  /** The file is still on scratch (read and put rather than moved): the caller removes it once listed. */
  leftOnScratch: boolean;
  uploadMs: number;
  /** When ffmpeg last wrote the file, if known without another read. */
  closedAtMs?: number;
}

/**
 * Takes a listed segment from scratch to `key`: a store that can adopt files (a folder on the same disk, S3)
 * takes the file over; any other store gets its bytes. Waits until ffmpeg closed the file either way.
 */
export async function uploadSegment(job: UploadJob, key: string, io: SegmentUpload): Promise<SegmentUploadResult> {
  const { store } = io;
  if (canAdoptFiles(store)) {
    if (!job.gen.closed) await waitUntilComplete(job, io.settleMs, io.signal);
    const started = performance.now();
    const adopted = await retry(() => store.adoptFile(key, job.file, SEGMENT_PUT_OPTIONS), io.retryPolicy, { signal: io.signal, onRetry: (err, attempt, wait) => io.onUploadRetry(err, attempt, wait) });
    if (!adopted) return { stored: false, leftOnScratch: false, uploadMs: 0 };
    return { stored: true, leftOnScratch: false, uploadMs: performance.now() - started, closedAtMs: adopted.modifiedAtMs };
  }
  const body = await readSegment(job, io);
  if (!body) return { stored: false, leftOnScratch: false, uploadMs: 0 };
  const started = performance.now();
  await retry(() => store.put(key, body, SEGMENT_PUT_OPTIONS), io.retryPolicy, { signal: io.signal, onRetry: (err, attempt, wait) => io.onUploadRetry(err, attempt, wait) });
  return { stored: true, leftOnScratch: true, uploadMs: performance.now() - started };
}

/**
 * The first half of `uploadSegment`: waits until ffmpeg closed the listed file and reads it (no body when
 * it vanished from scratch). With segment rounds the packager hands the body to the round writer instead.
 */
export async function readSegment(job: UploadJob, io: Pick<SegmentUpload, 'retryPolicy' | 'settleMs' | 'signal' | 'onReadRetry'>): Promise<Uint8Array | undefined> {
  if (!job.gen.closed) await waitUntilComplete(job, io.settleMs, io.signal);
  return retry(() => readIfPresent(job.file), io.retryPolicy, { signal: io.signal, onRetry: (err) => io.onReadRetry(err) });
}

/**
 * ffmpeg lists a segment just before closing its file. The file is complete once the next segment file
 * exists (ffmpeg opens it right after closing this one), the run has ended, or its size holds still.
 */
async function waitUntilComplete(job: UploadJob, settleMs: number, signal: AbortSignal): Promise<void> {
  const next = join(dirname(job.file), nextSegmentFilename(job.entry.filename));
  while (!job.gen.closed) {
    if (await exists(next)) return;
    const before = await sizeOf(job.file);
    if (before === undefined) return;
    await delay(settleMs, undefined, { signal });
    if (job.gen.closed || (await exists(next))) return;
    if ((await sizeOf(job.file)) === before) return;
  }
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
