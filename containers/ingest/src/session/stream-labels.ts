/**
 * Bounded metric labels for per-stream gauges: at most `max` streams get a label of their own (their id),
 * for as long as they are live here; the rest share none (they are left out of per-stream series, and
 * still count in the node's totals). Keeps Prometheus series and EMF dimension values bounded however
 * many streams a node carries over its life.
 */
export class StreamLabels {
  private readonly held = new Set<string>();

  constructor(private readonly max = 50) {}

  /** The label of a live stream, or undefined once `max` other streams hold one. */
  labelFor(streamId: string): string | undefined {
    if (this.held.has(streamId)) return streamId;
    if (this.held.size >= this.max) return undefined;
    this.held.add(streamId);
    return streamId;
  }

  release(streamId: string): void {
    this.held.delete(streamId);
  }
}
