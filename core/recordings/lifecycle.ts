/**
 * Use cases of recordings: start (when a recorded session's first segment is stored), finalize (VOD
 * playlists, master, manifest, then `recording.ready`), fail, delete, list, export requests, retention.
 *
 * Finalization is idempotent and safe against duplicated, reordered and concurrent messages: the record's
 * status only moves forward through conditional writes (recording → finalizing → ready | failed), outputs
 * are a pure function of what is stored (written media playlists → master → manifest → status), and the
 * final event goes through a small outbox on the record (`announce`) so exactly one worker sends it.
 *
 * Must never: finalize a session that is still open, fail a recording that is ready, emit a second
 * `recording.ready` for one recording, or delete objects of a recording still being written.
 */
import { randomUUID } from 'node:crypto';
import type { EmitEvent } from '../events/emit-event';
import { ConflictError, InvalidIdError, NotFoundError } from '../errors';
import { isId } from '../ids';
import { writeMasterPlaylist, writeMediaPlaylist } from '../hls/playlist';
import type { Clock } from '../ports/clock';
import { silentLogger, type Logger } from '../ports/logger';
import type { ObjectStore, PutOptions, StoredObject } from '../ports/object-store';
import type { RecordingStore } from '../ports/recording-store';
import type { Page, StreamStore } from '../ports/stream-store';
import {
  buildManifest,
  isUnsettled,
  manifestKey,
  parseRenditionsFile,
  planVod,
  planVodMaster,
  recordingIdFor,
  recordingPlaybackUrl,
  recordingPrefix,
  recordingsDueForDeletion,
  renditionsFileKey,
  vodMasterPlaylistKey,
  vodMediaPlaylistKey,
  type Recording,
  type RecordingFailure,
  type RetentionPolicy,
  type VodPlan,
} from './recording';
import { hasOpenSession } from '../streams/stream';

export interface RecordingDeps {
  recordings: RecordingStore;
  objectStore: ObjectStore;
  emit: EmitEvent;
  clock: Clock;
  /** Base URL of the CDN / origin, without a trailing slash. */
  playbackBase: string;
  logger?: Logger;
}

export interface FinalizeDeps extends RecordingDeps {
  /** To re-check that the session is really over before finalizing. */
  streams: Pick<StreamStore, 'get'>;
  /** How long a worker may hold the outbox of the final event before another takes over. Default 60 s. */
  announceLeaseMs?: number;
}

export interface FinalizationRequest {
  recordingId: string;
  streamId: string;
  sessionId: string;
}

export type FinalizeOutcome =
  /** This call made the recording ready and sent `recording.ready`. */
  | 'ready'
  /** This call failed it (e.g. no media) and sent `recording.failed`. */
  | 'failed'
  /** This call sent the final event another worker left pending (it died in between). */
  | 'announced'
  /** Nothing to do: it was ready and what is stored has not changed. */
  | 'already_ready'
  /** It was ready, but segments arrived after it was finalized: playlists and manifest rewritten, no new event. */
  | 'repaired'
  | 'already_failed'
  /** No record and nothing stored: the session was not recorded (or produced nothing). */
  | 'not_recorded'
  /** The session is still open (connected, live, or inside its reconnect window): its end queues finalization again. */
  | 'session_open'
  /** Another worker is sending the final event right now: try again later. */
  | 'busy'
  | 'deleted';

export interface FinalizeResult {
  outcome: FinalizeOutcome;
  recording?: Recording;
}

/** VOD playlists may be rewritten once if segments arrive late (a slow drain), so they are not immutable. */
export const VOD_PLAYLIST_PUT_OPTIONS: PutOptions = { contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=60' };
export const MANIFEST_PUT_OPTIONS: PutOptions = { contentType: 'application/json', cacheControl: 'public, max-age=60' };

export const NO_MEDIA_REASON = 'no media';
const DEFAULT_ANNOUNCE_LEASE_MS = 60_000;
/** Each pass re-reads the record; a handful of lost races is normal, dozens is a bug. */
const MAX_STEPS = 16;
/** An export request older than this without a result is assumed lost and may be requested again. */
const MP4_PENDING_STALE_MS = 15 * 60_000;

// ---------------------------------------------------------------------------------------------------------
// Start

/**
 * Records that a session is being recorded (call when its first segment is stored). Idempotent: the first
 * call creates the record and emits `recording.started`; later calls (more segments, a reconnect, another
 * ingest) return the record. If the emit failed before, the next call sends it.
 */
export async function startRecording(deps: RecordingDeps, input: { streamId: string; sessionId: string }): Promise<{ recording: Recording; started: boolean }> {
  if (!isId('stream', input.streamId)) throw new InvalidIdError('stream');
  const id = recordingIdFor(input.sessionId);
  const now = deps.clock.now().toISOString();
  const fresh: Recording = { id, streamId: input.streamId, sessionId: input.sessionId, status: 'recording', createdAt: now, updatedAt: now, version: 1 };
  let recording = (await deps.recordings.create(fresh)) ? fresh : await deps.recordings.get(id);
  if (!recording) throw new ConflictError(`Recording ${id} was deleted while it was being started.`);
  // Only while it is still being recorded: a `started` after `ready` would confuse every consumer.
  if (recording.startAnnounced || recording.status !== 'recording') return { recording, started: false };
  await deps.emit({ type: 'recording.started', streamId: recording.streamId, sessionId: recording.sessionId, data: { recordingId: id } });
  for (let step = 0; step < MAX_STEPS && recording && !recording.startAnnounced; step++) {
    recording = (await tryPut(deps, recording, { ...recording, startAnnounced: true })) ?? (await deps.recordings.get(id));
  }
  return { recording: recording ?? fresh, started: true };
}

// ---------------------------------------------------------------------------------------------------------
// Finalize

/**
 * Moves a recording from `recording` to `finalizing` once its session is over. Returns the record as it
 * stands (unchanged while the session is open), or undefined when there is none.
 */
export async function markFinalizing(deps: FinalizeDeps, id: string): Promise<Recording | undefined> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await deps.recordings.get(id);
    if (!current || current.status !== 'recording' || current.deleting) return current;
    if (await sessionStillOpen(deps, current)) return current;
    const next = await tryPut(deps, current, { ...current, status: 'finalizing' });
    if (next) return next;
  }
  throw new ConflictError(`Recording ${id} kept changing while it was being finalized.`);
}

/** Finalizes the recording named by a queue message. Safe to call any number of times, in any order. */
export async function finalizeRecording(deps: FinalizeDeps, request: FinalizationRequest): Promise<FinalizeResult> {
  const log = deps.logger ?? silentLogger;
  const { recordingId: id } = request;
  if (!isId('recording', id)) throw new InvalidIdError('recording');
  if (recordingIdFor(request.sessionId) !== id) throw new InvalidIdError('recording');
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await deps.recordings.get(id);
    if (!current) {
      // The ingest stores segments before it records the start; a crash in between leaves media without a
      // record. Adopting it here is what makes "whatever was uploaded is in the recording" hold.
      const objects = await deps.objectStore.list(recordingPrefix(id));
      if (planVod(objects, { recordingId: id }).segmentCount === 0) return { outcome: 'not_recorded' };
      log.warn('recording: media without a record; adopting it', { recordingId: id, streamId: request.streamId });
      await startRecording(deps, { streamId: request.streamId, sessionId: request.sessionId });
      continue;
    }
    if (current.streamId !== request.streamId) {
      log.error('recording: finalization message names another stream; ignored', { recordingId: id, streamId: request.streamId, recordStreamId: current.streamId });
      return { outcome: 'not_recorded', recording: current };
    }
    if (current.deleting) return { outcome: 'deleted', recording: current };
    if (current.announce) {
      const result = await sendPendingAnnouncement(deps, current);
      if (result) return result;
      continue;
    }
    switch (current.status) {
      case 'recording': {
        if (await sessionStillOpen(deps, current)) return { outcome: 'session_open', recording: current };
        await tryPut(deps, current, { ...current, status: 'finalizing' });
        continue;
      }
      case 'finalizing': {
        const result = await completeFinalizing(deps, current);
        if (result) return result;
        continue;
      }
      case 'ready': {
        const result = await repairIfChanged(deps, current);
        if (result) return result;
        continue;
      }
      case 'failed': {
        if (!current.failure?.retryable) return { outcome: 'already_failed', recording: current };
        // A failure of the plane, not of the media (e.g. a redriven dead letter after a fix): try again.
        const next: Recording = { ...current, status: 'finalizing' };
        delete next.failure;
        delete next.finishedAt;
        await tryPut(deps, current, next);
        continue;
      }
    }
  }
  throw new ConflictError(`Recording ${id} kept changing while it was being finalized.`);
}

/** Marks the recording failed and emits `recording.failed` once. A ready recording is never failed. */
export async function failRecording(deps: RecordingDeps, id: string, failure: RecordingFailure): Promise<Recording | undefined> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await deps.recordings.get(id);
    if (!current || current.status === 'ready' || current.status === 'failed' || current.deleting || current.announce) return current;
    const token = randomUUID();
    const next = await tryPut(deps, current, { ...current, status: 'failed', failure, finishedAt: deps.clock.now().toISOString(), announce: { token, since: deps.clock.now().toISOString() } });
    if (next) return announce(deps, next, token);
  }
  throw new ConflictError(`Recording ${id} kept changing while it was being failed.`);
}

async function completeFinalizing(deps: FinalizeDeps, current: Recording): Promise<FinalizeResult | undefined> {
  const { plan, objects } = await planFromStore(deps, current.id);
  if (plan.segmentCount === 0) {
    const failed = await failRecording(deps, current.id, { reason: NO_MEDIA_REASON, retryable: false });
    // Anything else means another writer got there first: look again.
    return failed?.status === 'failed' && !failed.announce ? { outcome: 'failed', recording: failed } : undefined;
  }
  await writeOutputs(deps, current, plan, objects);
  const token = randomUUID();
  const now = deps.clock.now().toISOString();
  const next = await tryPut(deps, current, { ...current, ...statsOf(plan), status: 'ready', finishedAt: now, announce: { token, since: now } });
  if (!next) return undefined;
  const announced = await announce(deps, next, token);
  return { outcome: 'ready', recording: announced ?? next };
}

/**
 * A ready recording: its outputs must still be what the stored segments give. Segments that arrived late
 * (a slow drain), or outputs of a concurrent finalizer that listed earlier and wrote last, are healed here
 * — no event. When everything matches, nothing is written.
 */
async function repairIfChanged(deps: FinalizeDeps, current: Recording): Promise<FinalizeResult | undefined> {
  const { plan, objects } = await planFromStore(deps, current.id);
  if (plan.segmentCount === 0) return { outcome: 'already_ready', recording: current }; // being deleted outside the API: leave it
  const rewritten = await writeOutputs(deps, current, plan, objects);
  const stats = statsOf(plan);
  const statsChanged = stats.segmentCount !== current.segmentCount || stats.bytes !== current.bytes || stats.durationSeconds !== current.durationSeconds;
  if (rewritten === 0 && !statsChanged) return { outcome: 'already_ready', recording: current };
  (deps.logger ?? silentLogger).warn('recording: outputs did not match its segments (late segments or a concurrent finalizer); rewrote them', {
    recordingId: current.id,
    rewritten,
    segments: plan.segmentCount,
    previousSegments: current.segmentCount,
  });
  if (!statsChanged) return { outcome: 'repaired', recording: current };
  const next = await tryPut(deps, current, { ...current, ...stats });
  return next ? { outcome: 'repaired', recording: next } : undefined;
}

/** The final event is pending: send it if its sender's lease ran out, else report busy. */
async function sendPendingAnnouncement(deps: FinalizeDeps, current: Recording): Promise<FinalizeResult | undefined> {
  const pending = current.announce as NonNullable<Recording['announce']>;
  const lease = deps.announceLeaseMs ?? DEFAULT_ANNOUNCE_LEASE_MS;
  if (deps.clock.now().getTime() - Date.parse(pending.since) < lease) return { outcome: 'busy', recording: current };
  const token = randomUUID();
  const claimed = await tryPut(deps, current, { ...current, announce: { token, since: deps.clock.now().toISOString() } });
  if (!claimed) return undefined;
  const announced = await announce(deps, claimed, token);
  return { outcome: 'announced', recording: announced ?? claimed };
}

/** Sends the final event of a record whose outbox `token` we hold, then clears the outbox. */
async function announce(deps: RecordingDeps, recording: Recording, token: string): Promise<Recording | undefined> {
  if (recording.status === 'ready') {
    await deps.emit({
      type: 'recording.ready',
      streamId: recording.streamId,
      sessionId: recording.sessionId,
      data: { recordingId: recording.id, playback: { hls: recordingPlaybackUrl(deps.playbackBase, recording.id) }, durationSeconds: recording.durationSeconds ?? 0 },
    });
  } else {
    await deps.emit({
      type: 'recording.failed',
      streamId: recording.streamId,
      sessionId: recording.sessionId,
      data: { recordingId: recording.id, reason: recording.failure?.reason ?? 'unknown' },
    });
  }
  let current: Recording | undefined = recording;
  for (let step = 0; step < MAX_STEPS && current?.announce?.token === token; step++) {
    const next: Recording = { ...current };
    delete next.announce;
    current = (await tryPut(deps, current, next)) ?? (await deps.recordings.get(recording.id));
  }
  return current;
}

async function planFromStore(deps: RecordingDeps, id: string): Promise<{ plan: VodPlan; objects: StoredObject[] }> {
  const objects = await deps.objectStore.list(recordingPrefix(id));
  return { plan: planVod(objects, { recordingId: id }), objects };
}

/**
 * Media playlists, then master, then manifest (a reader that finds the manifest finds everything it names).
 * An output already stored with the same text is not written again, so a repeated finalization changes
 * nothing. Returns how many objects were written.
 */
async function writeOutputs(deps: RecordingDeps, recording: Recording, plan: VodPlan, objects: ReadonlyArray<StoredObject>): Promise<number> {
  const log = deps.logger ?? silentLogger;
  const infosKey = renditionsFileKey(recording.id);
  const infosBody = objects.some((o) => o.key === infosKey) ? await deps.objectStore.get(infosKey) : undefined;
  const infos = parseRenditionsFile(infosBody === undefined ? undefined : new TextDecoder().decode(infosBody));
  if (infosBody !== undefined && !infos) log.warn('recording: renditions.json is unreadable; estimating the master playlist', { recordingId: recording.id });
  const { master, warnings } = planVodMaster(plan, infos);
  for (const warning of warnings) log.warn(`recording: ${warning}`, { recordingId: recording.id });
  const manifest = buildManifest({ recordingId: recording.id, streamId: recording.streamId, sessionId: recording.sessionId }, plan, infos);
  const outputs: Array<[string, string, PutOptions]> = [
    ...plan.renditions.map((r): [string, string, PutOptions] => [vodMediaPlaylistKey(recording.id, r.name), writeMediaPlaylist(r.playlist), VOD_PLAYLIST_PUT_OPTIONS]),
    [vodMasterPlaylistKey(recording.id), writeMasterPlaylist(master), VOD_PLAYLIST_PUT_OPTIONS],
    [manifestKey(recording.id), `${JSON.stringify(manifest, null, 2)}\n`, MANIFEST_PUT_OPTIONS],
  ];
  const listed = new Set(objects.map((o) => o.key));
  let written = 0;
  for (const [key, text, options] of outputs) {
    const stored = listed.has(key) ? await deps.objectStore.get(key) : undefined;
    if (stored !== undefined && new TextDecoder().decode(stored) === text) continue;
    await deps.objectStore.put(key, text, options);
    written++;
  }
  return written;
}

function statsOf(plan: VodPlan): Pick<Recording, 'durationSeconds' | 'bytes' | 'segmentCount' | 'renditions' | 'gapCount'> {
  return {
    durationSeconds: Math.round(plan.durationSeconds * 1000) / 1000,
    bytes: plan.bytes,
    segmentCount: plan.segmentCount,
    renditions: plan.renditions.map((r) => r.name),
    gapCount: plan.gaps.length,
  };
}

async function sessionStillOpen(deps: FinalizeDeps, recording: Recording): Promise<boolean> {
  const stream = await deps.streams.get(recording.streamId);
  return stream !== undefined && stream.sessionId === recording.sessionId && hasOpenSession(stream.status);
}

// ---------------------------------------------------------------------------------------------------------
// Reading, deleting

export async function getRecording(deps: Pick<RecordingDeps, 'recordings'>, id: string): Promise<Recording> {
  if (!isId('recording', id)) throw new InvalidIdError('recording');
  const recording = await deps.recordings.get(id);
  if (!recording || recording.deleting) throw new NotFoundError('recording', id);
  return recording;
}

export async function listRecordings(deps: Pick<RecordingDeps, 'recordings'>, streamId: string, options: { limit: number; cursor?: string }): Promise<Page<Recording>> {
  if (!isId('stream', streamId)) throw new InvalidIdError('stream');
  const page = await deps.recordings.listByStream(streamId, options);
  return { ...page, items: page.items.filter((r) => !r.deleting) };
}

/**
 * Removes a recording: marks it deleting (so no finalizer writes its folder again), removes every object
 * under its prefix, removes the record, then sweeps the prefix once more for anything written meanwhile.
 * Refused (ConflictError) while the recording is still being written or finalized.
 */
export async function deleteRecording(deps: Pick<RecordingDeps, 'recordings' | 'objectStore' | 'clock'>, id: string): Promise<void> {
  if (!isId('recording', id)) throw new InvalidIdError('recording');
  for (let step = 0; step < MAX_STEPS; step++) {
    let current = await deps.recordings.get(id);
    if (!current) throw new NotFoundError('recording', id);
    if (!current.deleting) {
      if (current.status === 'recording' || current.status === 'finalizing') {
        throw new ConflictError(`Recording ${id} is ${current.status}; it can be deleted once it is ready or failed.`);
      }
      current = await tryPut(deps, current, { ...current, deleting: true });
      if (!current) continue;
    }
    await deleteUnder(deps.objectStore, recordingPrefix(id));
    try {
      await deps.recordings.delete(id, { expectedVersion: current.version });
    } catch (err) {
      if (err instanceof ConflictError) continue;
      throw err;
    }
    await deleteUnder(deps.objectStore, recordingPrefix(id));
    return;
  }
  throw new ConflictError(`Recording ${id} kept changing while it was being deleted.`);
}

async function deleteUnder(store: ObjectStore, prefix: string): Promise<void> {
  const keys = (await store.list(prefix)).map((o) => o.key);
  if (keys.length > 0) await store.delete(keys);
}

// ---------------------------------------------------------------------------------------------------------
// MP4 export requests

/**
 * Asks for an MP4 of a ready recording. `enqueue` says whether the caller must queue the export job: not
 * when one is already done or pending (a stale pending request is renewed).
 */
export async function requestMp4Export(deps: Pick<RecordingDeps, 'recordings' | 'clock'>, id: string): Promise<{ recording: Recording; enqueue: boolean }> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await getRecording(deps, id);
    if (current.status !== 'ready') throw new ConflictError(`Recording ${id} is ${current.status}; only a ready recording can be exported.`);
    const now = deps.clock.now();
    if (current.mp4?.status === 'ready') return { recording: current, enqueue: false };
    if (current.mp4?.status === 'pending' && now.getTime() - Date.parse(current.mp4.requestedAt) < MP4_PENDING_STALE_MS) return { recording: current, enqueue: false };
    const next = await tryPut(deps, current, { ...current, mp4: { status: 'pending', requestedAt: now.toISOString(), updatedAt: now.toISOString() } });
    if (next) return { recording: next, enqueue: true };
  }
  throw new ConflictError(`Recording ${id} kept changing.`);
}

/** Stores the outcome of an export. Ignored when the recording is gone or being deleted. */
export async function completeMp4Export(
  deps: Pick<RecordingDeps, 'recordings' | 'clock'>,
  id: string,
  result: { status: 'ready'; bytes: number } | { status: 'failed'; error: string },
): Promise<Recording | undefined> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const current = await deps.recordings.get(id);
    if (!current || current.deleting) return undefined;
    const now = deps.clock.now().toISOString();
    const mp4 = result.status === 'ready' ? { status: 'ready' as const, bytes: result.bytes } : { status: 'failed' as const, error: result.error.slice(0, 300) };
    const next = await tryPut(deps, current, { ...current, mp4: { requestedAt: current.mp4?.requestedAt ?? now, updatedAt: now, ...mp4 } });
    if (next) return next;
  }
  throw new ConflictError(`Recording ${id} kept changing.`);
}

// ---------------------------------------------------------------------------------------------------------
// Retention

/** Retention as the sweep takes it: a stream's own retention may come from a store (asynchronously). */
export interface RetentionSettings {
  /** Days a recording is kept after it was created; undefined or 0 keeps recordings until deleted. */
  retentionDays?: number;
  /** A stream's own retention in days (0 = keep), overriding `retentionDays`; undefined = use the global one. */
  streamRetentionDays?: (streamId: string) => Promise<number | undefined> | number | undefined;
}

/**
 * Deletes every settled recording past its retention. Returns the ids deleted. A failure on one
 * recording is reported through `onError` and does not stop the sweep.
 */
export async function sweepRecordingRetention(
  deps: Pick<RecordingDeps, 'recordings' | 'objectStore' | 'clock'>,
  settings: RetentionSettings,
  options: { pageSize?: number; onError?: (recordingId: string, error: unknown) => void } = {},
): Promise<string[]> {
  const perStream = settings.streamRetentionDays;
  if (!perStream && !(settings.retentionDays !== undefined && settings.retentionDays > 0)) return [];
  const now = deps.clock.now();
  // With per-stream retention any settled recording may be due; with only a global one the store cuts.
  const before = perStream ? now : new Date(now.getTime() - (settings.retentionDays as number) * 86_400_000);
  const deleted: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.recordings.listSettledCreatedBefore(before, { limit: options.pageSize ?? 100, ...(cursor ? { cursor } : {}) });
    // Resolved once per stream and page, so the rule itself stays a pure function.
    const days = new Map<string, number | undefined>();
    if (perStream) for (const streamId of new Set(page.items.map((r) => r.streamId))) days.set(streamId, await perStream(streamId));
    const policy: RetentionPolicy = {
      ...(settings.retentionDays !== undefined ? { retentionDays: settings.retentionDays } : {}),
      ...(perStream ? { streamRetentionDays: (streamId: string) => days.get(streamId) } : {}),
    };
    for (const recording of recordingsDueForDeletion(now, page.items, policy)) {
      try {
        await deleteRecording(deps, recording.id);
        deleted.push(recording.id);
      } catch (err) {
        options.onError?.(recording.id, err);
      }
    }
    cursor = page.next;
  } while (cursor);
  return deleted;
}

/** Recordings left unsettled (a restart, a lost message): the finalization requests to queue again. */
export async function pendingFinalizations(deps: Pick<RecordingDeps, 'recordings'>, pageSize = 100): Promise<FinalizationRequest[]> {
  const out: FinalizationRequest[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.recordings.listUnsettled({ limit: pageSize, ...(cursor ? { cursor } : {}) });
    for (const r of page.items) if (isUnsettled(r) && !r.deleting) out.push({ recordingId: r.id, streamId: r.streamId, sessionId: r.sessionId });
    cursor = page.next;
  } while (cursor);
  return out;
}

// ---------------------------------------------------------------------------------------------------------

/** The conditional write every change goes through: the stored record, or undefined when another writer won. */
async function tryPut(deps: Pick<RecordingDeps, 'recordings' | 'clock'>, current: Recording, next: Recording): Promise<Recording | undefined> {
  const stored: Recording = { ...next, version: current.version + 1, updatedAt: deps.clock.now().toISOString() };
  try {
    await deps.recordings.put(stored, { expectedVersion: current.version });
    return stored;
  } catch (err) {
    if (err instanceof ConflictError) return undefined;
    throw err;
  }
}
