/**
 * Simulcast targets in memory (`SimulcastTargetStore`), for unit tests and for the ingest when no table
 * is configured. Holds the same contract as the DynamoDB adapter
 * (test/support/contracts/simulcast-target-store.contract.ts). Hands out copies, never its own objects.
 */
import { DuplicateError } from '../core/errors';
import type { SimulcastTargetStore, TargetChanges, TargetStatusChange } from '../core/ports/simulcast-target-store';
import type { SimulcastTarget } from '../core/relays/target';

export class MemorySimulcastTargetStore implements SimulcastTargetStore {
  private readonly targets = new Map<string, SimulcastTarget>();

  async create(target: SimulcastTarget): Promise<void> {
    const key = keyOf(target.streamId, target.id);
    if (this.targets.has(key)) throw new DuplicateError(`A simulcast target with id ${target.id} already exists.`);
    this.targets.set(key, { ...target });
  }

  async get(streamId: string, targetId: string): Promise<SimulcastTarget | undefined> {
    const target = this.targets.get(keyOf(streamId, targetId));
    return target ? { ...target } : undefined;
  }

  async list(streamId: string): Promise<SimulcastTarget[]> {
    return [...this.targets.values()]
      .filter((t) => t.streamId === streamId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((t) => ({ ...t }));
  }

  async update(streamId: string, targetId: string, changes: TargetChanges, updatedAt: string): Promise<SimulcastTarget | undefined> {
    const target = this.targets.get(keyOf(streamId, targetId));
    if (!target) return undefined;
    if (changes.name !== undefined) target.name = changes.name;
    if (changes.url !== undefined) target.url = changes.url;
    if (changes.enabled !== undefined) target.enabled = changes.enabled;
    if (changes.encryptedKey === null) delete target.encryptedKey;
    else if (changes.encryptedKey !== undefined) target.encryptedKey = changes.encryptedKey;
    target.updatedAt = updatedAt;
    return { ...target };
  }

  async setStatus(streamId: string, targetId: string, change: TargetStatusChange, updatedAt: string): Promise<boolean> {
    const target = this.targets.get(keyOf(streamId, targetId));
    if (!target) return false;
    target.status = change.status;
    if (change.lastError === null) delete target.lastError;
    else if (change.lastError !== undefined) target.lastError = change.lastError;
    target.updatedAt = updatedAt;
    return true;
  }

  async delete(streamId: string, targetId: string): Promise<boolean> {
    return this.targets.delete(keyOf(streamId, targetId));
  }
}

const keyOf = (streamId: string, targetId: string) => `${streamId}/${targetId}`;
