/**
 * Where playback keys (public parts only) and viewer revocations are kept. Implemented on DynamoDB
 * (adapters/dynamodb-playback-key-store.ts) and in memory for tests; both pass
 * test/support/contracts/playback-key-store.contract.ts.
 *
 * Must never be handed a private key: the model has no field for one.
 */
import type { PlaybackKey, Revocation } from '../playback/playback-key';

export interface PlaybackKeyStore {
  /** Refuses (DuplicateError) an id that exists. */
  createKey(key: PlaybackKey): Promise<void>;
  getKey(id: string): Promise<PlaybackKey | undefined>;
  /** Every key, oldest first (there are at most MAX_PLAYBACK_KEYS). */
  listKeys(): Promise<PlaybackKey[]>;
  /** False when there was no such key. */
  deleteKey(id: string): Promise<boolean>;
  /** Creates or replaces the revocation of its viewer. */
  putRevocation(revocation: Revocation): Promise<void>;
  getRevocation(viewerId: string): Promise<Revocation | undefined>;
  /** Revocations still in force at `now`. */
  listRevocations(now: Date): Promise<Revocation[]>;
}

/** Told about every change, so the edge (CloudFront KeyValueStore) can follow within seconds. */
export interface PlaybackEdgeSync {
  keyCreated(key: PlaybackKey): Promise<void>;
  keyDeleted(id: string): Promise<void>;
  viewerRevoked(revocation: Revocation): Promise<void>;
}

export const noopEdgeSync: PlaybackEdgeSync = { keyCreated: async () => {}, keyDeleted: async () => {}, viewerRevoked: async () => {} };
