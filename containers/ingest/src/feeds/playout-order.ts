/**
 * The order a fallback plays its items in, forever: sequential repeats the list; shuffle plays every item
 * once per pass in a new random order, never the same item twice in a row across passes (with 2+ items).
 * Pure apart from the injected random source.
 */
import type { FallbackOrder } from '../../../../core/ports/channel-media';

export class PlayoutOrder {
  private pass: number[] = [];
  private last: number | undefined;

  constructor(
    private readonly count: number,
    private readonly order: FallbackOrder,
    private readonly random: () => number = Math.random,
  ) {
    if (count < 1) throw new Error('PlayoutOrder: a fallback needs at least one item');
  }

  /** Index of the next item to play. */
  next(): number {
    if (this.pass.length === 0) this.pass = this.newPass();
    const index = this.pass.shift() as number;
    this.last = index;
    return index;
  }

  private newPass(): number[] {
    const indexes = [...Array(this.count).keys()];
    if (this.order === 'sequential') return indexes;
    for (let i = indexes.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [indexes[i], indexes[j]] = [indexes[j] as number, indexes[i] as number];
    }
    if (indexes.length > 1 && indexes[0] === this.last) indexes.push(indexes.shift() as number);
    return indexes;
  }
}
