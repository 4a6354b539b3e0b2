/**
 * Which cell a new stream goes to: the least loaded one, by streams assigned per cell over the cell's
 * weight (its share of capacity; all cells weigh the same unless told otherwise). Ties go to the lower
 * cell number, so the choice is deterministic. A new, empty cell therefore takes new streams until it
 * has caught up; no existing stream moves (assignment is sticky: stored on the stream).
 *
 * Must never: do I/O (a pure function of the cells and their counts).
 */

export interface CellLoad {
  id: string;
  /** Streams assigned to the cell (not deleted). */
  streams: number;
  /** Relative capacity (e.g. max tasks); @default 1 */
  weight?: number;
}

export function leastLoadedCell(cells: ReadonlyArray<CellLoad>): string {
  let best: { id: string; load: number } | undefined;
  for (const cell of cells) {
    const weight = cell.weight ?? 1;
    if (!(weight > 0)) continue;
    const load = Math.max(0, cell.streams) / weight;
    if (best === undefined || load < best.load) best = { id: cell.id, load };
  }
  if (!best) throw new RangeError('leastLoadedCell: no cell with a positive weight');
  return best.id;
}
