/**
 * Scratch recovery after a crash: a process that died hard (SIGKILL, OOM, power) leaves transcoder runs on
 * scratch whose segments ffmpeg finished and listed but no packager stored. At start-up, before the ingest
 * accepts any publish, this stores every complete listed segment of a recorded run under the exact key its
 * packager would have used (from the run manifest the packager wrote when it attached the run), then
 * removes the session's scratch folder. The recording's finalizer builds the VOD from the store, so a
 * recovered segment is in the recording once its session is finalized.
 *
 * It always stores per-rendition objects (`<rendition>/<seq>-<ms>-<disc>.ts`), also for a session that
 * used segment rounds (`segmentObjects=round`): a recovery runs once per crash, so the PUT saving of a
 * round is not worth joining renditions here. The finalizer, resume and the MP4 export read both layouts
 * (core/media/layout.ts); should a round of the same sequence already be stored (a crash after the round
 * PUT, before the scratch files were deleted), the VOD plan keeps one of the two identical segments.
 *
 * Layout it walks: `<scratchRoot>/<streamId>/<sessionId>-<ms>/run-<n>/` holding `run.json` and
 * `<rendition>/segments.csv` + `seg_*.ts` (containers/ingest/src/session/live-session.ts).
 *
 * Must never: run while a session of this process writes to scratch (it deletes what it walked), store a
 * segment under a number it cannot prove (no manifest: nothing is stored), store an unlisted (unfinished)
 * file, delete a listed segment it could not store (the folder stays for the next start), or touch
 * anything on scratch that is not a stream's session folder (e.g. MP4 export work folders).
 */
import { readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { readFileHead } from './file-head';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isId } from '../../../../core/ids';
import { segmentKey } from '../../../../core/media/layout';
import type { Logger } from '../../../../core/ports/logger';
import { noopMetrics, type Metrics } from '../../../../core/ports/metrics';
import type { ObjectStore } from '../../../../core/ports/object-store';
import { SEGMENT_LIST_FILE } from '../transcoder/ffmpeg-args';
import { describeError } from './errors';
import { DEFAULT_RETRY_POLICY, retry, type RetryPolicy } from './retry';
import { readRunManifest, type RunManifest } from './run-manifest';
import { parseSegmentListLine } from './segment-list';
import { SEGMENT_PUT_OPTIONS } from './upload-worker';

/** MPEG-TS packets are 188 bytes: a file cut mid-packet keeps its whole packets only. */
const TS_PACKET = 188;
const SESSION_DIR = /^(ses_[a-z2-7]{20})-(\d{1,16})$/;
const RUN_DIR = /^run-(\d{1,9})$/;

export interface ScratchRecoveryOptions {
  /** `<dataDir>/scratch`. */
  scratchRoot: string;
  store: ObjectStore;
  logger: Logger;
  metrics?: Metrics;
  /** Backoff for store writes. Default: the packager's (unlimited attempts until `signal` aborts). */
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /**
   * A session folder written to this recently may still have its orphaned ffmpeg finishing the last
   * segment (it does once its input closes): wait until it has been quiet this long (at most
   * `maxQuietWaitMs`) before reading it. Default 2000.
   */
  quietMs?: number;
  /** Default 15000. */
  maxQuietWaitMs?: number;
}

/** What recovery did for one session folder. */
export interface RecoveredSession {
  streamId: string;
  sessionId: string;
  /** Set when the session was recorded. */
  recordingId?: string;
  /** Segments stored by recovery (already stored ones are put again under the same key: same bytes). */
  stored: number;
  /** Listed segments that could not be stored: not recorded, or no manifest to name them by. */
  discarded: number;
  /** Removed from scratch (false when a store write failed: kept for the next start). */
  removed: boolean;
}

export interface ScratchRecoveryReport {
  sessions: RecoveredSession[];
  stored: number;
  discarded: number;
}

export async function recoverScratch(options: ScratchRecoveryOptions): Promise<ScratchRecoveryReport> {
  const { scratchRoot, logger } = options;
  const metrics = options.metrics ?? noopMetrics;
  const report: ScratchRecoveryReport = { sessions: [], stored: 0, discarded: 0 };
  for (const streamId of (await listDirs(scratchRoot)).filter((name) => isId('stream', name))) {
    const streamDir = join(scratchRoot, streamId);
    for (const sessionDirName of await listDirs(streamDir)) {
      const match = SESSION_DIR.exec(sessionDirName);
      if (!match) continue;
      await waitUntilQuiet(join(streamDir, sessionDirName), options);
      const session = await recoverSession(streamId, match[1] as string, join(streamDir, sessionDirName), options);
      report.sessions.push(session);
      report.stored += session.stored;
      report.discarded += session.discarded;
    }
    // Only when empty: another session folder may have been kept.
    await rmdir(streamDir).catch(() => undefined);
  }
  if (report.sessions.length > 0) {
    metrics.count('scratch_recovered_segments', report.stored);
    if (report.discarded > 0) metrics.count('scratch_discarded_segments', report.discarded);
    logger.info('scratch: recovered what a previous run left behind', { sessions: report.sessions.length, stored: report.stored, discarded: report.discarded });
  }
  return report;
}

async function recoverSession(streamId: string, sessionId: string, dir: string, options: ScratchRecoveryOptions): Promise<RecoveredSession> {
  const { logger } = options;
  const out: RecoveredSession = { streamId, sessionId, stored: 0, discarded: 0, removed: false };
  const runs = (await listDirs(dir))
    .map((name) => ({ name, n: Number(RUN_DIR.exec(name)?.[1] ?? NaN) }))
    .filter((r) => Number.isInteger(r.n))
    .sort((a, b) => a.n - b.n);
  try {
    for (const run of runs) {
      const runDir = join(dir, run.name);
      let manifest: RunManifest | undefined;
      try {
        manifest = await readRunManifest(runDir);
      } catch (err) {
        logger.error('scratch: unreadable run manifest; its segments cannot be named', { streamId, sessionId, runDir, error: describeError(err) });
      }
      if (manifest && manifest.streamId !== streamId) {
        logger.error('scratch: run manifest names another stream; ignoring it', { streamId, sessionId, runDir, manifestStreamId: manifest.streamId });
        manifest = undefined;
      }
      if (manifest?.recordingId) out.recordingId = manifest.recordingId;
      const result = await recoverRun(runDir, manifest, options);
      out.stored += result.stored;
      out.discarded += result.discarded;
      if (result.discarded > 0) {
        logger.error(manifest ? 'scratch: session was not recorded; dropping its listed segments (no playlist can show them any more)' : 'scratch: run has no manifest; its listed segments cannot be named and are dropped', {
          streamId,
          sessionId,
          runDir,
          dropped: result.discarded,
        });
      }
    }
  } catch (err) {
    if (options.signal?.aborted) throw err;
    logger.error('scratch: could not store a recovered segment; keeping the session folder for the next start', { streamId, sessionId, dir, error: describeError(err) });
    return out;
  }
  await rm(dir, { recursive: true, force: true });
  out.removed = true;
  if (out.stored > 0) logger.warn('scratch: stored segments a crash had left unpublished', { streamId, sessionId, recordingId: out.recordingId, stored: out.stored });
  return out;
}

async function recoverRun(runDir: string, manifest: RunManifest | undefined, options: ScratchRecoveryOptions): Promise<{ stored: number; discarded: number }> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  let stored = 0;
  let discarded = 0;
  const renditions = manifest?.renditions ?? (await listDirs(runDir));
  for (const rendition of renditions) {
    const renditionDir = join(runDir, rendition);
    for (const entry of await listedSegments(join(renditionDir, SEGMENT_LIST_FILE), options.logger)) {
      const body = await completeSegment(join(renditionDir, entry.filename));
      if (!body) continue;
      if (!manifest?.recordingId) {
        discarded++;
        continue;
      }
      const key = segmentKey(manifest.streamId, rendition, { sequence: manifest.firstSequence + entry.index, duration: entry.duration, discontinuitySequence: manifest.discontinuitySequence }, manifest.recordingId);
      await retry(() => options.store.put(key, body, SEGMENT_PUT_OPTIONS), policy, {
        ...(options.signal ? { signal: options.signal } : {}),
        onRetry: (err, attempt, wait) => options.logger.warn('scratch: storing a recovered segment failed; retrying', { key, attempt, retryInMs: wait, error: describeError(err) }),
      });
      stored++;
    }
  }
  return { stored, discarded };
}

/** The complete lines of a segment list (a last line without its newline was cut by the crash). */
async function listedSegments(path: string, logger: Logger): Promise<Array<ReturnType<typeof parseSegmentListLine>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  lines.pop();
  const entries = [];
  const seen = new Set<number>();
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      const entry = parseSegmentListLine(line);
      // The packager ignores a repeated index too: one key per position.
      if (seen.has(entry.index)) continue;
      seen.add(entry.index);
      entries.push(entry);
    } catch (err) {
      logger.warn('scratch: ignoring an unusable segment list line', { path, error: describeError(err) });
    }
  }
  return entries;
}

/** The segment's whole TS packets, or undefined when the file is gone (already stored) or holds none. */
async function completeSegment(path: string): Promise<Uint8Array | undefined> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const whole = size - (size % TS_PACKET);
  if (whole === 0) return undefined;
  const buffer = await readFileHead(path, whole);
  return buffer.subarray(0, buffer.byteLength - (buffer.byteLength % TS_PACKET));
}

async function waitUntilQuiet(dir: string, options: ScratchRecoveryOptions): Promise<void> {
  const quietMs = options.quietMs ?? 2_000;
  const deadline = Date.now() + (options.maxQuietWaitMs ?? 15_000);
  while (quietMs > 0) {
    const age = Date.now() - (await newestChange(dir));
    if (age >= quietMs || Date.now() >= deadline) return;
    await delay(Math.min(quietMs - age, Math.max(0, deadline - Date.now())), undefined, options.signal ? { signal: options.signal } : undefined);
  }
}

async function newestChange(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestChange(path) : ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0));
  }
  return newest;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
