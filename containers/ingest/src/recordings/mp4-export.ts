/**
 * MP4 export of a ready recording, for download: the top rendition's segments remuxed (no re-encode) into
 * `recordings/<id>/recording.mp4`. Runs where ffmpeg is, never on a live ingest task: in the cloud a Fargate
 * task of its own per job (export-worker.ts, started through ecs:RunTask), locally in the plane's process
 * fed by an in-process queue of `{ recordingId }` jobs.
 *
 * Why the concat demuxer rather than the HLS playlist as input: at each discontinuity (reconnect,
 * transcoder restart) the timestamps start over, which the HLS demuxer passes through and the MP4 muxer
 * refuses; the concat demuxer places every file after the previous one, so the MP4 has one clean timeline.
 * The segment list still comes from the VOD playlist (gaps skipped), read through the object store.
 *
 * Must never: run ffmpeg through a shell, leave its process or temp folder behind, re-encode, or write
 * anything but `recording.mp4` of the recording it was asked for.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { isId } from '../../../../core/ids';
import { parseMediaPlaylist, type SegmentByteRange } from '../../../../core/hls/playlist';
import type { Clock } from '../../../../core/ports/clock';
import { silentLogger, type Logger } from '../../../../core/ports/logger';
import type { ObjectStore, PutOptions } from '../../../../core/ports/object-store';
import type { RecordingStore } from '../../../../core/ports/recording-store';
import { manifestKey, mp4Key, parseRoundFileName, parseSegmentFileName, parseSiblingRoundUri, recordingPrefix, recordingRenditionPrefix, resolvePlaylistUri, roundMemberRange, ROUNDS_FOLDER, vodMediaPlaylistKey } from '../../../../core/media/layout';
import type { RecordingManifest } from '../../../../core/recordings/manifest';
import type { Recording } from '../../../../core/recordings/recording';
import { completeMp4Export } from '../../../../core/recordings/mp4-requests';

export const MP4_PUT_OPTIONS: PutOptions = { contentType: 'video/mp4', cacheControl: 'public, max-age=86400' };

/**
 * Where ffmpeg reads segments from: the local store's folder, the origin / CDN, or `{ objects: true }`:
 * each segment fetched through the object store into the export's temp folder first (the worker task, which
 * may read the bucket but not go through the CDN, where signed playback would ask it for a token).
 */
export type Mp4Source = { dir: string } | { baseUrl: string } | { objects: true };

export interface Mp4ExportDeps {
  recordings: RecordingStore;
  objectStore: ObjectStore;
  clock: Clock;
  source: Mp4Source;
  logger?: Logger;
  ffmpegPath?: string;
  /** Parent of the per-export temp folder. Default: the OS temp dir. */
  scratchDir?: string;
  /** ffmpeg is killed after this long. Default 30 minutes. */
  timeoutMs?: number;
  /**
   * The ObjectStore port takes whole bodies, so the MP4 passes through memory: larger exports fail
   * cleanly instead of exhausting it (a streaming multipart upload would lift this). Default 2 GiB.
   */
  maxBytes?: number;
  signal?: AbortSignal;
}

export type Mp4ExportResult = { status: 'ready'; bytes: number } | { status: 'skipped'; reason: string } | { status: 'failed'; error: string };

/** `message` is safe to store on the recording; `detail` (ffmpeg's last words, paths) is only logged. */
export class Mp4ExportError extends Error {
  override readonly name = 'Mp4ExportError';
  readonly code = 'mp4_export';
  readonly detail?: string;
  constructor(message: string, detail?: string) {
    super(message);
    if (detail !== undefined) this.detail = detail;
  }
}

/** The whole ffmpeg command line (after the binary) for a concat list and an output file. */
export function mp4ExportArgs(options: { listPath: string; outputPath: string }): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-f',
    'concat',
    // Absolute paths and URLs in the list; the list is ours, built from validated segment names.
    '-safe',
    '0',
    '-protocol_whitelist',
    'file,http,https,tcp,tls,crypto',
    '-i',
    options.listPath,
    '-map',
    '0',
    '-c',
    'copy',
    // ADTS AAC (as in MPEG-TS) must become an AudioSpecificConfig in MP4.
    '-bsf:a',
    'aac_adtstoasc',
    // moov first, so a browser can start playing the download before it has all of it.
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    options.outputPath,
  ];
}

/** Picks the rendition to export: the tallest video, then the highest bandwidth (audio-only only as a last resort). */
export function topRendition(manifest: {
  renditions: ReadonlyArray<Pick<RecordingManifest['renditions'][number], 'name' | 'segments' | 'bytes' | 'durationSeconds' | 'bandwidth' | 'height'>>;
}): string | undefined {
  const ranked = [...manifest.renditions]
    .filter((r) => r.segments > 0)
    .sort((a, b) => (b.height ?? 0) - (a.height ?? 0) || (b.bandwidth ?? rate(b)) - (a.bandwidth ?? rate(a)) || (a.name < b.name ? -1 : 1));
  return ranked[0]?.name;
}

function rate(r: { bytes: number; durationSeconds: number }): number {
  return r.durationSeconds > 0 ? (r.bytes * 8) / r.durationSeconds : 0;
}

const manifestSchema = z.object({
  renditions: z.array(
    z.object({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
      segments: z.number(),
      bytes: z.number(),
      durationSeconds: z.number(),
      bandwidth: z.number().optional(),
      height: z.number().optional(),
    }),
  ),
});

/** Exports one recording. Idempotent: an MP4 already stored is not made again. */
export async function exportRecordingMp4(deps: Mp4ExportDeps, recordingId: string): Promise<Mp4ExportResult> {
  const log = deps.logger ?? silentLogger;
  if (!isId('recording', recordingId)) return { status: 'skipped', reason: 'not a recording id' };
  const recording = await deps.recordings.get(recordingId);
  if (!recording || recording.deleting) return { status: 'skipped', reason: 'recording not found' };
  if (recording.status !== 'ready') return { status: 'skipped', reason: `recording is ${recording.status}` };
  if (recording.mp4?.status === 'ready') return { status: 'skipped', reason: 'already exported' };

  let work: string | undefined;
  try {
    const rendition = await chooseRendition(deps.objectStore, recording);
    const playlistBody = await deps.objectStore.get(vodMediaPlaylistKey(recordingId, rendition));
    if (!playlistBody) throw new Mp4ExportError(`the VOD playlist of ${rendition} is missing`);
    const playlist = parseMediaPlaylist(new TextDecoder().decode(playlistBody));
    const real = playlist.segments.filter((s) => !s.gap);
    if (real.length === 0) throw new Mp4ExportError('the recording has no segments to export');
    // Segment rounds (core/media/layout.ts): a member is a byte range of `../rounds/<round file>`.
    const members = real.filter((s) => s.byteRange !== undefined);
    if (members.some((s) => !isRoundMemberOf(s.uri, s.byteRange!, rendition))) throw new Mp4ExportError('the VOD playlist names a byte range that is not a segment round member');
    const files = real.filter((s) => s.byteRange === undefined).map((s) => s.uri);
    if (files.some((f) => parseSegmentFileName(f) === undefined)) throw new Mp4ExportError('the VOD playlist names a file that is not a segment');

    const parent = deps.scratchDir ?? tmpdir();
    await mkdir(parent, { recursive: true });
    work = await mkdtemp(join(parent, 'sp-mp4-'));
    const listPath = join(work, 'segments.txt');
    const outputPath = join(work, 'recording.mp4');
    // Round members are read through the object store and sliced (one round object in memory at a time),
    // whatever the source; a recording that mixes layouts is staged whole the same way.
    const staged = 'objects' in deps.source || members.length > 0 ? await stageSegments(deps.objectStore, recordingId, rendition, real, work) : undefined;
    const locate = (segment: { uri: string }, i: number) => (staged ? join(staged, stagedName(segment, i)) : segmentLocation(deps.source as Exclude<Mp4Source, { objects: true }>, recordingId, rendition, segment.uri));
    await writeFile(listPath, `ffconcat version 1.0\n${real.map((f, i) => `file ${quoteConcat(locate(f, i))}`).join('\n')}\n`);
    await runFfmpeg(deps.ffmpegPath ?? 'ffmpeg', mp4ExportArgs({ listPath, outputPath }), deps.timeoutMs ?? 30 * 60_000, deps.signal);

    const size = (await stat(outputPath)).size;
    const maxBytes = deps.maxBytes ?? 2 * 1024 ** 3;
    if (size > maxBytes) throw new Mp4ExportError(`the MP4 is ${size} bytes, more than the ${maxBytes} this plane uploads in one piece`);
    // Deleted while we worked: do not write into a folder that is being removed.
    const current = await deps.recordings.get(recordingId);
    if (!current || current.deleting) return { status: 'skipped', reason: 'recording deleted during export' };
    await deps.objectStore.put(mp4Key(recordingId), await readFile(outputPath), MP4_PUT_OPTIONS);
    await completeMp4Export(deps, recordingId, { status: 'ready', bytes: size });
    log.info('recording: MP4 exported', { recordingId, rendition, bytes: size, segments: real.length });
    return { status: 'ready', bytes: size };
  } catch (err) {
    const error = err instanceof Mp4ExportError ? err.message : err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : 'unknown error';
    log.error('recording: MP4 export failed', { recordingId, error, ...(err instanceof Mp4ExportError && err.detail ? { detail: err.detail } : {}) });
    await completeMp4Export(deps, recordingId, { status: 'failed', error: err instanceof Mp4ExportError ? err.message : 'export failed' }).catch((e: unknown) =>
      log.error('recording: could not record the MP4 export failure', { recordingId, error: e instanceof Error ? e.name : String(e) }),
    );
    return { status: 'failed', error };
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
  }
}

/**
 * A queue consumer for export jobs (`{ "recordingId": "rec_…" }`), in the shape of an SQS handler: what the
 * local plane's in-process queue drives (in the cloud each job is a task of its own, export-worker.ts). A failed export is recorded on the
 * recording (the user may ask again), so only unreadable messages are reported as failures.
 */
export function createMp4ExportConsumer(deps: Mp4ExportDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const log = deps.logger ?? silentLogger;
  const jobSchema = z.object({ recordingId: z.string().refine((v) => isId('recording', v)) });
  return async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let job: z.infer<typeof jobSchema> | undefined;
      try {
        job = jobSchema.parse(JSON.parse(record.body));
      } catch {
        log.error('recording: unreadable MP4 export job', { messageId: record.messageId });
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        await exportRecordingMp4(deps, job.recordingId);
      } catch (err) {
        // Only the store can throw here (recording the outcome): let the queue bring the job back.
        log.error('recording: MP4 export job could not complete', { recordingId: job.recordingId, error: err instanceof Error ? err.name : String(err) });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

async function chooseRendition(store: ObjectStore, recording: Recording): Promise<string> {
  const body = await store.get(manifestKey(recording.id));
  if (body) {
    const parsed = manifestSchema.safeParse(safeJson(new TextDecoder().decode(body)));
    const name = parsed.success ? topRendition(parsed.data) : undefined;
    if (name) return name;
  }
  // No usable manifest: the rendition with the most bytes stored is the best guess of the top one.
  const sizes = new Map<string, number>();
  for (const o of await store.list(recordingPrefix(recording.id))) {
    const [, , name, file] = o.key.split('/');
    if (name === ROUNDS_FOLDER) {
      for (const m of parseRoundFileName(file ?? '')?.members ?? []) sizes.set(m.rendition, (sizes.get(m.rendition) ?? 0) + m.bytes);
    } else if (name && o.key.endsWith('.ts')) sizes.set(name, (sizes.get(name) ?? 0) + o.size);
  }
  const best = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0];
  if (!best) throw new Mp4ExportError('the recording has no renditions');
  return best[0];
}

/** Copies the segments to `<work>/segments/` through the object store, one at a time (memory stays one object). */
async function stageSegments(store: ObjectStore, recordingId: string, rendition: string, segments: ReadonlyArray<{ uri: string; byteRange?: SegmentByteRange }>, work: string): Promise<string> {
  const dir = join(work, 'segments');
  await mkdir(dir);
  const written = new Set<string>();
  for (const [i, segment] of segments.entries()) {
    const name = stagedName(segment, i);
    if (written.has(name)) continue;
    written.add(name);
    const key = resolvePlaylistUri(recordingRenditionPrefix(recordingId, rendition), segment.uri) as string;
    const body = await store.get(key);
    if (!body) throw new Mp4ExportError(`segment ${segment.uri} of ${rendition} is missing`);
    const range = segment.byteRange;
    if (range && range.offset + range.length > body.byteLength) throw new Mp4ExportError(`segment round ${segment.uri} is shorter than the range ${rendition} names`);
    await writeFile(join(dir, name), range ? body.subarray(range.offset, range.offset + range.length) : body);
  }
  return dir;
}

/** A segment's file name in the staging folder: its own name, or `member-<i>.ts` for a round member. */
function stagedName(segment: { uri: string; byteRange?: unknown }, i: number): string {
  return segment.byteRange ? `member-${i}.ts` : segment.uri;
}

/** `../rounds/<round file>` with the exact range `rendition` has in it (the name says where each member is). */
function isRoundMemberOf(uri: string, range: SegmentByteRange, rendition: string): boolean {
  const round = parseSiblingRoundUri(uri);
  const member = round && roundMemberRange(round, rendition);
  return member !== undefined && member.offset === range.offset && member.length === range.length;
}

function segmentLocation(source: Exclude<Mp4Source, { objects: true }>, recordingId: string, rendition: string, file: string): string {
  const key = `${recordingRenditionPrefix(recordingId, rendition)}${file}`;
  return 'dir' in source ? join(source.dir, ...key.split('/')) : `${source.baseUrl.replace(/\/+$/, '')}/${key}`;
}

/** ffconcat quoting: single quotes, with `'` written as `'\''`. */
function quoteConcat(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function runFfmpeg(ffmpegPath: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Mp4ExportError('export cancelled'));
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'], shell: false });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    let why: string | undefined;
    const kill = (reason: string) => {
      why ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(`ffmpeg ran longer than ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => kill('export cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (err?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    child.once('error', (err) => done(new Mp4ExportError(`ffmpeg could not start: ${err.message}`)));
    child.once('close', (code, sig) => {
      if (why) return done(new Mp4ExportError(why));
      if (code === 0) return done();
      done(new Mp4ExportError(`ffmpeg exited with ${code ?? sig}`, stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500)));
    });
  });
}
