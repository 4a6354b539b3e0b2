/**
 * Streams assigned per ingest cell, in memory: the stand-in for dynamodb-cell-counts.ts in tests and in a
 * local plane that simulates cells. Same semantics: conditional claims, releases never below zero.
 */
import type { CellCounts } from '../core/ports/cell-counts';

export class MemoryCellCounts implements CellCounts {
  private readonly counts = new Map<string, number>();

  async read(cellIds: ReadonlyArray<string>): Promise<Record<string, number>> {
    return Object.fromEntries(cellIds.map((id) => [id, this.counts.get(id) ?? 0]));
  }

  async claim(cellId: string, seen?: number): Promise<boolean> {
    const current = this.counts.get(cellId) ?? 0;
    if (seen !== undefined && current !== seen) return false;
    this.counts.set(cellId, current + 1);
    return true;
  }

  async release(cellId: string): Promise<void> {
    const current = this.counts.get(cellId) ?? 0;
    if (current > 0) this.counts.set(cellId, current - 1);
  }
}
