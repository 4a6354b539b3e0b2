/**
 * The life of a publish session, as the ingest drives it: authorize (key → stream, connect transition),
 * go live (first playable master), publisher gone (interrupted, reconnect window), end. Each step is a
 * conditional write that also checks the session id, so a late timer or a duplicated message from an
 * older session can never end or relabel a newer one.
 */
import type { EmitEvent } from '../events/emit-event';
import { ConflictError, IllegalTransitionError, NotFoundError } from '../errors';
import { newId } from '../ids';
import type { Clock } from '../ports/clock';
import type { StreamStore } from '../ports/stream-store';
import { canTransition, endedSession, type SessionEndGuard, type Stream, type TranscodeDecision } from './stream';
import { hashStreamKey, isWellFormedStreamKey } from './stream-key';
import type { PublishDecision, RejectReason } from './publish-decision';
import { emitEnded, mutateStream } from './stream-registry';
import { roleOfApp, type FeedRole } from '../channels/backup-selector';
import { connectedAsActive, joinedAsStandby } from './feed-view';
import { cellOfStream } from '../cells/ingest-cells';

export interface SessionDeps {
  store: StreamStore;
  emit: EmitEvent;
  clock: Clock;
}

export const INGEST_APP = 'live';

export interface PublishRequest {
  app: string;
  streamKey: string;
  remoteAddress?: string;
  /** The ingest cell of the task asking (planes with cells): a stream of another cell is refused, `wrong_cell`. */
  cell?: string;
}

/**
 * Decides a publish. On success the stream is `connected` with a session id (a new one, or the open one
 * when the encoder comes back inside its reconnect window). Rejections emit `stream.rejected`.
 */
export async function authorizePublish(deps: SessionDeps, request: PublishRequest): Promise<PublishDecision> {
  const reject = async (reason: RejectReason, streamId: string | null): Promise<PublishDecision> => {
    await deps.emit({
      type: 'stream.rejected',
      streamId,
      data: { reason, ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}) },
    });
    return { allowed: false, reason, streamId };
  };
  // `live` is the primary encoder's app, `live-backup` the backup's (same key).
  const role = roleOfApp(request.app);
  if (!role) return reject('wrong_app', null);
  if (!isWellFormedStreamKey(request.streamKey)) return reject('malformed_key', null);
  const found = await deps.store.getByKeyHash(hashStreamKey(request.streamKey));
  if (!found) return reject('unknown_key', null);
  if (found.status === 'disabled') return reject('disabled', found.id);
  // Each cell's tasks admit only their cell's streams: the API named that cell's endpoint for this stream.
  if (request.cell !== undefined && cellOfStream(found) !== request.cell) return reject('wrong_cell', found.id);

  return openSession(deps, found.id, { keyHash: found.keyHash, role, ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}) }, reject);
}

/**
 * The connect transition shared by pushes (after the key matched) and pulls (core/pulls/pull-publish.ts):
 * a new session, or the open one continued when the stream is inside its reconnect window.
 */
export async function openSession(
  deps: SessionDeps,
  streamId: string,
  request: { keyHash?: string; remoteAddress?: string; role?: FeedRole },
  reject: (reason: RejectReason, streamId: string | null) => Promise<PublishDecision>,
): Promise<PublishDecision> {
  let reconnect = false;
  let standby = false;
  const role = request.role ?? 'primary';
  let result: { before: Stream; after: Stream } | undefined;
  try {
    result = await mutateStream(deps, streamId, (current) => {
      if (request.keyHash !== undefined && current.keyHash !== request.keyHash) throw new NotFoundError('stream', current.id);
      if (current.status === 'disabled') throw new IllegalTransitionError('disabled', 'connect');
      const now = deps.clock.now().toISOString();
      standby = false;
      if ((current.status === 'connected' || current.status === 'live') && current.sessionId !== undefined && current.source === undefined) {
        // Backup ingest: the other role's encoder feeds the session; this one joins it as standby.
        const joined = joinedAsStandby(current, role, now);
        if (!joined) throw new IllegalTransitionError(current.status, 'connect');
        standby = true;
        return joined;
      }
      if (!canTransition(current.status, 'connect')) throw new IllegalTransitionError(current.status, 'connect');
      reconnect = current.status === 'interrupted' && current.sessionId !== undefined;
      const next: Stream = { ...current, status: 'connected', feeds: connectedAsActive(reconnect ? current : { ...current, feeds: {} }, role, now) };
      if (!reconnect) {
        next.sessionId = newId('session');
        next.sessionStartedAt = now;
        delete next.transcode;
      }
      return next;
    });
  } catch (err) {
    if (err instanceof NotFoundError) return reject('unknown_key', null);
    if (err instanceof IllegalTransitionError) return reject(err.from === 'disabled' ? 'disabled' : 'already_publishing', streamId);
    throw err;
  }
  if (!result) throw new Error('unreachable');
  const { after } = result;
  const sessionId = after.sessionId as string;
  await deps.emit({
    type: 'stream.connected',
    streamId: after.id,
    sessionId,
    data: { reconnect, role, ...(request.remoteAddress ? { remoteAddress: request.remoteAddress } : {}) },
  });
  if (reconnect) await deps.emit({ type: 'stream.recovered', streamId: after.id, sessionId, data: {} });
  return {
    allowed: true,
    streamId: after.id,
    sessionId,
    reconnect,
    // Only what the ingest needs: a primary (the usual case) carries no role.
    ...(role === 'backup' ? { role } : {}),
    ...(standby ? { standby: true } : {}),
    recording: after.recording,
    reconnectWindowSeconds: after.reconnectWindowSeconds,
    ...(after.recording && (after.dvrWindowSeconds ?? 0) > 0 ? { dvrWindowSeconds: after.dvrWindowSeconds } : {}),
    ...(after.transcodeMode === 'passthrough' ? { transcode: 'passthrough' as const } : {}),
    ...(after.srtPassphrase ? { srtPassphrase: after.srtPassphrase } : {}),
    ...(after.latencyMode === 'low' ? { latencyMode: 'low' as const } : {}),
  };
}

/** Applies `change` only while `sessionId` is still the stream's open session; false otherwise. */
async function withSession(
  deps: SessionDeps,
  streamId: string,
  sessionId: string,
  change: (current: Stream) => Stream | undefined,
): Promise<{ before: Stream; after: Stream } | undefined> {
  try {
    return await mutateStream(deps, streamId, (current) => (current.sessionId === sessionId ? change(current) : undefined));
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** The first playable master playlist of the session is out. Idempotent per session. */
export async function markLive(deps: SessionDeps, streamId: string, sessionId: string, decision: TranscodeDecision, playbackHls: string): Promise<boolean> {
  const result = await withSession(deps, streamId, sessionId, (current) =>
    current.status === 'connected' ? { ...current, status: 'live', transcode: decision } : undefined,
  );
  if (!result) return false;
  await deps.emit({
    type: 'stream.live',
    streamId,
    sessionId,
    data: { playback: { hls: playbackHls }, topRung: decision.topRung, reason: decision.reason, renditions: [...decision.renditions] },
  });
  return true;
}

/**
 * The publisher went away. With a reconnect window the session is `interrupted` and the caller schedules
 * `endSession` after `reconnectWindowSeconds`; with no window it ends at once.
 */
export async function publisherGone(deps: SessionDeps, streamId: string, sessionId: string, reason: string): Promise<{ ended: boolean; reconnectWindowSeconds: number } | undefined> {
  const current = await deps.store.get(streamId);
  if (!current || current.sessionId !== sessionId) return undefined;
  if (current.reconnectWindowSeconds === 0) {
    const ended = await endSession(deps, streamId, sessionId, 'publisher_gone');
    return ended ? { ended: true, reconnectWindowSeconds: 0 } : undefined;
  }
  const result = await withSession(deps, streamId, sessionId, (s) => (canTransition(s.status, 'interrupt') ? { ...s, status: 'interrupted' } : undefined));
  if (!result) return undefined;
  const window = result.after.reconnectWindowSeconds;
  await deps.emit({ type: 'stream.interrupted', streamId, sessionId, data: { reason, reconnectWindowSeconds: window } });
  return { ended: false, reconnectWindowSeconds: window };
}

/**
 * Ends the session if it is still open (with `onlyIfInterrupted`, only while nobody publishes to it; with
 * `expectedVersion`, only if nothing wrote the stream since); returns whether this call ended it.
 */
export async function endSession(
  deps: SessionDeps,
  streamId: string,
  sessionId: string,
  reason: 'publisher_gone' | 'task_lost' | 'shutdown',
  options: Omit<SessionEndGuard, 'sessionId'> = {},
): Promise<boolean> {
  let result: { before: Stream; after: Stream } | undefined;
  try {
    // A reconnect window expiring must not end a session its encoder resumed (perhaps on another
    // ingest, which this one cannot see): `onlyIfInterrupted` ends only a still-interrupted session.
    result = await withSession(deps, streamId, sessionId, (s) => endedSession(s, { ...options, sessionId }));
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
  if (!result) return false;
  await emitEnded(deps, result.before, reason);
  return true;
}
