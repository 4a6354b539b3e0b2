/**
 * The use case behind a stream's cell: read the per-cell counts, pick the least loaded cell
 * (cell-assignment.ts), claim it conditionally on the count read, and look again if another create got
 * there first. After a few lost races the claim is made unconditionally: the count stays exact, only the
 * balance may be off by the few streams created in the same instant.
 *
 * Must never: leave a stream without a cell when cells are configured, or count a stream twice.
 */
import type { CellCounts } from '../ports/cell-counts';
import { leastLoadedCell } from './cell-assignment';

export interface CellPlacement {
  /** The configured cells, cell 1 first (a weight is a cell's relative capacity; default 1). */
  cells: ReadonlyArray<{ id: string; weight?: number }>;
  counts: CellCounts;
}

const ATTEMPTS = 5;

export async function assignCell(placement: CellPlacement): Promise<string> {
  const { cells } = placement;
  if (cells.length === 0) throw new RangeError('assignCell: no cells configured');
  if (cells.length === 1) {
    const only = (cells[0] as { id: string }).id;
    await placement.counts.claim(only);
    return only;
  }
  const ids = cells.map((c) => c.id);
  const choose = (counts: Record<string, number>) => leastLoadedCell(cells.map((c) => ({ id: c.id, streams: counts[c.id] ?? 0, ...(c.weight !== undefined ? { weight: c.weight } : {}) })));
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const counts = await placement.counts.read(ids);
    const chosen = choose(counts);
    if (await placement.counts.claim(chosen, counts[chosen] ?? 0)) return chosen;
  }
  const chosen = choose(await placement.counts.read(ids));
  await placement.counts.claim(chosen);
  return chosen;
}
