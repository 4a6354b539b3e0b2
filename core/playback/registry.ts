/**
 * Use cases of the playback API: keys (generate, register, list, delete) and viewer revocations. The
 * private half of a generated key is returned to the caller once and kept nowhere.
 */
import { ConflictError, InvalidIdError, NotFoundError } from '../errors';
import { isId } from '../ids';
import type { Clock } from '../ports/clock';
import type { PlaybackEdgeSync, PlaybackKeyStore } from '../ports/playback-key-store';
import { generatePlaybackKeyPair, MAX_PLAYBACK_KEYS, newRevocation, registeredPlaybackKey, type PlaybackKey, type Revocation } from './playback-key';

export interface PlaybackRegistryDeps {
  keys: PlaybackKeyStore;
  clock: Clock;
  edge: PlaybackEdgeSync;
}

export async function createPlaybackKey(deps: PlaybackRegistryDeps, input: { publicKey?: string | undefined }): Promise<{ key: PlaybackKey; privateKey?: string }> {
  const existing = await deps.keys.listKeys();
  if (existing.length >= MAX_PLAYBACK_KEYS) throw new ConflictError(`At most ${MAX_PLAYBACK_KEYS} playback keys may exist; delete one first.`);
  const now = deps.clock.now();
  const created = input.publicKey !== undefined ? { key: registeredPlaybackKey(input.publicKey, now) } : generatePlaybackKeyPair(now);
  await deps.keys.createKey(created.key);
  await deps.edge.keyCreated(created.key);
  return created;
}

export async function listPlaybackKeys(deps: Pick<PlaybackRegistryDeps, 'keys'>): Promise<PlaybackKey[]> {
  return deps.keys.listKeys();
}

export async function getPlaybackKey(deps: Pick<PlaybackRegistryDeps, 'keys'>, id: string): Promise<PlaybackKey> {
  if (!isId('playbackKey', id)) throw new InvalidIdError('playback key');
  const key = await deps.keys.getKey(id);
  if (!key) throw new NotFoundError('playback key', id);
  return key;
}

/** Tokens signed by the key stop working at once locally, and at the edge once the sync lands. */
export async function deletePlaybackKey(deps: PlaybackRegistryDeps, id: string): Promise<void> {
  if (!isId('playbackKey', id)) throw new InvalidIdError('playback key');
  if (!(await deps.keys.deleteKey(id))) throw new NotFoundError('playback key', id);
  await deps.edge.keyDeleted(id);
}

export async function revokeViewer(deps: PlaybackRegistryDeps, input: { viewerId: string; until?: string | undefined }): Promise<Revocation> {
  const revocation = newRevocation(input, deps.clock.now());
  await deps.keys.putRevocation(revocation);
  await deps.edge.viewerRevoked(revocation);
  return revocation;
}

export async function listRevocations(deps: Pick<PlaybackRegistryDeps, 'keys' | 'clock'>): Promise<Revocation[]> {
  return deps.keys.listRevocations(deps.clock.now());
}

/** The public view of a key: never a private part (a stored key has none; a generated one passes it separately). */
export function toPlaybackKeyView(key: PlaybackKey, privateKey?: string) {
  return { id: key.id, algorithm: key.algorithm, publicKey: key.publicKey, source: key.source, createdAt: key.createdAt, ...(privateKey !== undefined ? { privateKey } : {}) };
}
