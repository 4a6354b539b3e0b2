/**
 * Where simulcast targets are kept, per stream. Implemented on DynamoDB
 * (adapters/dynamodb-simulcast-target-store.ts) and in memory (adapters/memory-simulcast-target-store.ts);
 * both pass test/support/contracts/simulcast-target-store.contract.ts.
 *
 * Must never be handed a plaintext stream key: the model carries only the cipher's output.
 */
import type { SimulcastTarget, TargetStatus } from '../relays/target';

export interface TargetChanges {
  name?: string;
  url?: string;
  /** null removes the key. */
  encryptedKey?: string | null;
  enabled?: boolean;
}

export interface TargetStatusChange {
  status: TargetStatus;
  /** null clears it; absent keeps it. */
  lastError?: string | null;
}

export interface SimulcastTargetStore {
  /** Refuses (DuplicateError) an id that exists. */
  create(target: SimulcastTarget): Promise<void>;
  get(streamId: string, targetId: string): Promise<SimulcastTarget | undefined>;
  /** Every target of the stream, oldest first (there are at most the configured maximum). */
  list(streamId: string): Promise<SimulcastTarget[]>;
  /** The updated target, or undefined when there is no such target. */
  update(streamId: string, targetId: string, changes: TargetChanges, updatedAt: string): Promise<SimulcastTarget | undefined>;
  /** The relay runner's writes; false when the target is gone (deleted meanwhile). */
  setStatus(streamId: string, targetId: string, change: TargetStatusChange, updatedAt: string): Promise<boolean>;
  /** False when there was no such target. */
  delete(streamId: string, targetId: string): Promise<boolean>;
}
