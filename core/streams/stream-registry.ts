/**
 * Use cases of the stream registry (the control API's streams resource). Every status change goes through
 * the state machine and a conditional write, retried on a lost race; every change emits its event. The
 * stream key is generated here, returned once, and only its hash is stored.
 */
import type { EmitEvent } from '../events/emit-event';
import { ConflictError, InvalidIdError, NotFoundError, ValidationError } from '../errors';
import { isId, newId } from '../ids';
import type { Clock } from '../ports/clock';
import type { Page, StreamStore } from '../ports/stream-store';
import {
  closeSession,
  DEFAULT_RECONNECT_WINDOW_SECONDS,
  hasOpenSession,
  nextStatus,
  type Stream,
  type StreamAction,
} from './stream';
import { DVR_NEEDS_RECORDING, type CreateStreamInput, type UpdateStreamInput } from './stream-input';

/** What an absent field of an older record means. */
const STREAM_FIELD_DEFAULTS: Partial<Record<keyof Stream, unknown>> = { playbackPolicy: 'public', dvrWindowSeconds: 0, latencyMode: 'normal', backupPolicy: 'revert', backupRevertSeconds: 10 };
import { generateStreamKey, hashStreamKey } from './stream-key';
import { admitSource, type SourceAdmissionDeps } from '../pulls/pull-admission';
import { CLOUD_URL_POLICY } from '../webhooks/url-policy';
import { applyChannelPatch, checkChannelMedia, type MediaLookup } from '../media-library/channel-media';
import { assignCell, type CellPlacement } from '../cells/assign-cell';

export interface RegistryDeps {
  store: StreamStore;
  emit: EmitEvent;
  clock: Clock;
  /** Settings of new streams when the request leaves them out (deployment configuration). */
  defaults?: { reconnectWindowSeconds?: number };
  /** Where pull sources may point (default: the cloud policy, public addresses only) and, optionally, a DNS check of their host. */
  sources?: Partial<SourceAdmissionDeps>;
  /** The media library, to check fallback and slate ids (without it, channel media is refused with 503). */
  media?: MediaLookup;
  /** Ingest cells (cloud planes): a new pushed stream is assigned the least loaded one (core/cells). */
  cells?: CellPlacement;
}

const MAX_CONFLICT_RETRIES = 8;

/** Re-reads and retries `change` until its conditional write wins (or the change itself throws). */
export async function mutateStream(
  deps: Pick<RegistryDeps, 'store' | 'clock'>,
  id: string,
  change: (current: Stream) => Stream | undefined,
): Promise<{ before: Stream; after: Stream } | undefined> {
  for (let attempt = 0; ; attempt++) {
    const current = await requireStream(deps.store, id);
    const changed = change(current);
    if (!changed) return undefined;
    const after: Stream = { ...changed, version: current.version + 1, updatedAt: deps.clock.now().toISOString() };
    try {
      await deps.store.put(after, { expectedVersion: current.version });
      return { before: current, after };
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw err;
    }
  }
}

export async function requireStream(store: Pick<StreamStore, 'get'>, id: string): Promise<Stream> {
  if (!isId('stream', id)) throw new InvalidIdError('stream');
  const stream = await store.get(id);
  if (!stream) throw new NotFoundError('stream', id);
  return stream;
}

export async function createStream(deps: RegistryDeps, input: CreateStreamInput): Promise<{ stream: Stream; streamKey: string }> {
  const source = input.source
    ? { url: await admitSource({ sourcePolicy: deps.sources?.sourcePolicy ?? CLOUD_URL_POLICY, ...(deps.sources?.resolveHost ? { resolveHost: deps.sources.resolveHost } : {}) }, input.source.url) }
    : undefined;
  await checkChannelMedia(deps.media, input);
  const now = deps.clock.now().toISOString();
  // A pulled stream gets a key nobody is ever shown: the table's key index needs one, no encoder can use it.
  const streamKey = generateStreamKey();
  const stream: Stream = {
    id: newId('stream'),
    name: input.name,
    status: 'idle',
    keyHash: hashStreamKey(streamKey),
    recording: input.recording ?? true,
    reconnectWindowSeconds: input.reconnectWindowSeconds ?? deps.defaults?.reconnectWindowSeconds ?? DEFAULT_RECONNECT_WINDOW_SECONDS,
    playbackPolicy: input.playbackPolicy ?? 'public',
    dvrWindowSeconds: input.dvrWindowSeconds ?? 0,
    ...(source ? { source } : {}),
    ...(input.transcode && input.transcode !== 'ladder' ? { transcodeMode: input.transcode } : {}),
    ...(input.srtPassphrase ? { srtPassphrase: input.srtPassphrase } : {}),
    ...(input.fallback ? { fallback: input.fallback } : {}),
    ...(input.slateMediaId ? { slateMediaId: input.slateMediaId } : {}),
    ...(input.reconnectSlate === false ? { reconnectSlate: false } : {}),
    latencyMode: input.latencyMode ?? 'normal',
    ...(input.backupPolicy && input.backupPolicy !== 'revert' ? { backupPolicy: input.backupPolicy } : {}),
    ...(input.backupRevertSeconds !== undefined ? { backupRevertSeconds: input.backupRevertSeconds } : {}),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  // A pushed stream gets its ingest cell now, for good (a pulled one is run by whichever task takes its job).
  if (deps.cells && !source) stream.ingestCell = await assignCell(deps.cells);
  try {
    await deps.store.create(stream);
  } catch (err) {
    if (stream.ingestCell) await deps.cells?.counts.release(stream.ingestCell).catch(() => undefined);
    throw err;
  }
  await deps.emit({ type: 'stream.created', streamId: stream.id, data: { name: stream.name } });
  return { stream, streamKey };
}

export async function getStream(deps: Pick<RegistryDeps, 'store'>, id: string): Promise<Stream> {
  return requireStream(deps.store, id);
}

export async function listStreams(deps: Pick<RegistryDeps, 'store'>, options: { limit: number; cursor?: string }): Promise<Page<Stream>> {
  return deps.store.list(options);
}

export async function updateStream(deps: RegistryDeps, id: string, patch: UpdateStreamInput): Promise<Stream> {
  await checkChannelMedia(deps.media, patch);
  const changedFields: string[] = [];
  const result = await mutateStream(deps, id, (current) => {
    changedFields.length = 0;
    const next = { ...current };
    for (const key of ['name', 'recording', 'reconnectWindowSeconds', 'playbackPolicy', 'dvrWindowSeconds', 'latencyMode', 'backupPolicy', 'backupRevertSeconds'] as const) {
      const value = patch[key];
      if (value !== undefined && value !== (current[key] ?? STREAM_FIELD_DEFAULTS[key])) {
        (next as Record<string, unknown>)[key] = value;
        changedFields.push(key);
      }
    }
    if (patch.transcode !== undefined && patch.transcode !== (current.transcodeMode ?? 'ladder')) {
      if (patch.transcode === 'ladder') delete next.transcodeMode;
      else next.transcodeMode = patch.transcode;
      changedFields.push('transcode');
    }
    if (patch.srtPassphrase !== undefined && patch.srtPassphrase !== (current.srtPassphrase ?? null)) {
      if (patch.srtPassphrase === null) delete next.srtPassphrase;
      else next.srtPassphrase = patch.srtPassphrase;
      changedFields.push('srtPassphrase');
    }
    changedFields.push(...applyChannelPatch(next, current, patch));
    if (!next.recording && (next.dvrWindowSeconds ?? 0) > 0) throw new ValidationError(`dvrWindowSeconds ${DVR_NEEDS_RECORDING}.`, [{ path: 'dvrWindowSeconds', message: DVR_NEEDS_RECORDING }]);
    return changedFields.length > 0 ? next : undefined;
  });
  if (!result) return requireStream(deps.store, id);
  await deps.emit({ type: 'stream.updated', streamId: id, data: { changed: [...changedFields] } });
  return result.after;
}

export async function resetStreamKey(deps: RegistryDeps, id: string): Promise<{ stream: Stream; streamKey: string }> {
  for (let attempt = 0; ; attempt++) {
    const current = await requireStream(deps.store, id);
    if (current.source) throw new ConflictError('A pulled stream has no stream key to reset.');
    const streamKey = generateStreamKey();
    const keyHash = hashStreamKey(streamKey);
    const next: Stream = { ...current, keyHash, version: current.version + 1, updatedAt: deps.clock.now().toISOString() };
    try {
      await deps.store.replaceKeyHash(id, current.keyHash, keyHash, next, current.version);
    } catch (err) {
      if (err instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
      throw err;
    }
    await deps.emit({ type: 'stream.key_reset', streamId: id, data: {} });
    return { stream: next, streamKey };
  }
}

/** Applies a state-machine action, ending the open session first where the action requires it. */
async function applyAction(deps: RegistryDeps, id: string, action: StreamAction, endReason?: 'disabled' | 'ended_by_api'): Promise<{ before: Stream; after: Stream }> {
  const result = await mutateStream(deps, id, (current) => {
    const status = nextStatus(current.status, action);
    const next: Stream = { ...current, status };
    if (hasOpenSession(current.status) && !hasOpenSession(status)) closeSession(next, current);
    return next;
  });
  // mutateStream only returns undefined when `change` does; ours always returns a stream.
  if (!result) throw new Error('unreachable');
  if (endReason && hasOpenSession(result.before.status)) await emitEnded(deps, result.before, endReason);
  return result;
}

export async function emitEnded(deps: Pick<RegistryDeps, 'emit' | 'clock'>, before: Stream, reason: 'publisher_gone' | 'disabled' | 'ended_by_api' | 'deleted' | 'task_lost' | 'shutdown'): Promise<void> {
  const started = before.sessionStartedAt ? Date.parse(before.sessionStartedAt) : deps.clock.now().getTime();
  const durationSeconds = Math.max(0, Math.round((deps.clock.now().getTime() - started) / 100) / 10);
  await deps.emit({
    type: 'stream.ended',
    streamId: before.id,
    ...(before.sessionId ? { sessionId: before.sessionId } : {}),
    data: { reason, durationSeconds },
  });
}

export async function disableStream(deps: RegistryDeps, id: string): Promise<Stream> {
  const { after } = await applyAction(deps, id, 'disable', 'disabled');
  await deps.emit({ type: 'stream.disabled', streamId: id, data: {} });
  return after;
}

export async function enableStream(deps: RegistryDeps, id: string): Promise<Stream> {
  const { after } = await applyAction(deps, id, 'enable');
  await deps.emit({ type: 'stream.enabled', streamId: id, data: {} });
  return after;
}

/** Ends the open session now (the ingest hears `stream.ended` and closes the publisher). */
export async function endStreamNow(deps: RegistryDeps, id: string): Promise<Stream> {
  return (await applyAction(deps, id, 'end', 'ended_by_api')).after;
}

export async function deleteStream(deps: RegistryDeps, id: string): Promise<void> {
  await requireStream(deps.store, id);
  const stream = await deps.store.delete(id);
  // The count only steers new streams to the emptiest cell: a failed release costs balance, not the delete.
  if (stream.ingestCell && deps.cells) await deps.cells.counts.release(stream.ingestCell).catch(() => undefined);
  if (hasOpenSession(stream.status)) await emitEnded(deps, stream, 'deleted');
  await deps.emit({ type: 'stream.deleted', streamId: id, data: {} });
}

