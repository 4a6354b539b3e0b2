/**
 * In-memory heartbeat and reconnect-deadline stores for unit tests of the failover, honouring the ports'
 * contracts like the DynamoDB adapters (test/support/contracts/failover-stores.contract.ts checks both):
 * newest beat wins, conditional removals, one deadline per stream, listings in the index's order.
 */
import type { IngestHeartbeat, IngestHeartbeatStore } from '../../core/ports/ingest-heartbeats';
import type { ReconnectDeadline, ReconnectDeadlineStore } from '../../core/ports/reconnect-deadlines';

export class MemoryHeartbeats implements IngestHeartbeatStore {
  readonly beats = new Map<string, IngestHeartbeat>();

  async beat(taskId: string, streamIds: ReadonlyArray<string>, at: Date): Promise<void> {
    const current = this.beats.get(taskId);
    if (current && current.at.getTime() > at.getTime()) return;
    this.beats.set(taskId, { taskId, streamIds: [...new Set(streamIds)], at: new Date(at) });
  }

  async get(taskId: string): Promise<IngestHeartbeat | undefined> {
    const beat = this.beats.get(taskId);
    return beat && structuredClone(beat);
  }

  async listStale(olderThan: Date): Promise<IngestHeartbeat[]> {
    return this.byTime().filter((b) => b.at.getTime() < olderThan.getTime());
  }

  async listFresh(since: Date): Promise<IngestHeartbeat[]> {
    return this.byTime().filter((b) => b.at.getTime() >= since.getTime());
  }

  /** Oldest beat first, like the DynamoDB index (`<at>#<taskId>`). */
  private byTime(): IngestHeartbeat[] {
    return [...this.beats.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || compare(a.taskId, b.taskId)).map((b) => structuredClone(b));
  }

  async remove(taskId: string, expectedAt?: Date): Promise<boolean> {
    const current = this.beats.get(taskId);
    if (!current || (expectedAt && current.at.getTime() !== expectedAt.getTime())) return false;
    return this.beats.delete(taskId);
  }
}

export class MemoryDeadlines implements ReconnectDeadlineStore {
  readonly deadlines = new Map<string, ReconnectDeadline>();

  async schedule(deadline: ReconnectDeadline): Promise<void> {
    this.deadlines.set(deadline.streamId, structuredClone(deadline));
  }

  async listDue(now: Date): Promise<ReconnectDeadline[]> {
    return [...this.deadlines.values()]
      .filter((d) => d.endAfter.getTime() <= now.getTime())
      .sort((a, b) => a.endAfter.getTime() - b.endAfter.getTime() || compare(a.streamId, b.streamId))
      .map((d) => structuredClone(d));
  }

  async remove(deadline: Pick<ReconnectDeadline, 'streamId' | 'version'>): Promise<void> {
    if (this.deadlines.get(deadline.streamId)?.version === deadline.version) this.deadlines.delete(deadline.streamId);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
