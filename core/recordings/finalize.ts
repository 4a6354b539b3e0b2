/**
 * Finalizing a recording once its session is over: VOD playlists, master, manifest, then `recording.ready`
 * (or `recording.failed`); and, after a restart, the finalizations to queue again.
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
import { ConflictError, InvalidIdError } from '../errors';
import { isId } from '../ids';
import { writeMasterPlaylist, writeMediaPlaylist } from '../hls/playlist';
import { manifestKey, recordingPlaybackUrl, recordingPrefix, renditionsFileKey, vodMasterPlaylistKey, vodMediaPlaylistKey } from '../media/layout';
import { silentLogger } from '../ports/logger';
import type { PutOptions, StoredObject } from '../ports/object-store';
import type { StreamStore } from '../ports/stream-store';
import { hasOpenSession } from '../streams/stream';
import { buildManifest } from './manifest';
import { MAX_STEPS, tryPut, type RecordingDeps } from './record-writes';
import { isUnsettled, recordingIdFor, type Recording, type RecordingFailure } from './recording';
import { parseRenditionsFile } from './renditions-file';
import { startRecording } from './start';
import { planVod, planVodMaster, type VodPlan } from './vod-plan';

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
