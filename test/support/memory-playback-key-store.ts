/**
 * An in-memory PlaybackKeyStore for unit tests, held to the same contract as the DynamoDB store
 * (test/support/contracts/playback-key-store.contract.ts).
 */
import { DuplicateError } from '../../core/errors';
import type { PlaybackKeyStore } from '../../core/ports/playback-key-store';
import type { PlaybackKey, Revocation } from '../../core/playback/playback-key';

export class MemoryPlaybackKeyStore implements PlaybackKeyStore {
  readonly keys = new Map<string, PlaybackKey>();
  readonly revocations = new Map<string, Revocation>();

  async createKey(key: PlaybackKey): Promise<void> {
    if (this.keys.has(key.id)) throw new DuplicateError(`A playback key with id ${key.id} already exists.`);
    this.keys.set(key.id, { ...key });
  }
  async getKey(id: string): Promise<PlaybackKey | undefined> {
    const key = this.keys.get(id);
    return key ? { ...key } : undefined;
  }
  async listKeys(): Promise<PlaybackKey[]> {
    return [...this.keys.values()].map((k) => ({ ...k })).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }
  async deleteKey(id: string): Promise<boolean> {
    return this.keys.delete(id);
  }
  async putRevocation(revocation: Revocation): Promise<void> {
    this.revocations.set(revocation.viewerId, { ...revocation });
  }
  async getRevocation(viewerId: string): Promise<Revocation | undefined> {
    const r = this.revocations.get(viewerId);
    return r ? { ...r } : undefined;
  }
  async listRevocations(now: Date): Promise<Revocation[]> {
    return [...this.revocations.values()].filter((r) => Date.parse(r.until) > now.getTime()).map((r) => ({ ...r }));
  }
}
