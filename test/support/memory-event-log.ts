/**
 * An in-memory EventLog for unit tests with the DynamoDB log's query semantics (checked by
 * test/support/contracts/event-log.contract.ts): per-stream order by sequence, all streams by time,
 * `after` as an exclusive position that must name a live event of the same view, idempotent appends,
 * and expiry after the retention period — only when given a clock (without one nothing expires, so
 * unit tests with fixed event times never see their events vanish).
 */
import { ValidationError } from '../../core/errors';
import type { StreamplaneEvent } from '../../core/events/catalog';
import type { Clock } from '../../core/ports/clock';
import type { EventLog, EventQuery } from '../../core/ports/event-bus';
import { EVENT_RETENTION_SECONDS } from '../../adapters/dynamodb-event-log';
import { checkLimit } from '../../adapters/dynamodb-support';

const MAX_QUERY_LIMIT = 1000;
const MAX_TYPES = 50;

export class MemoryEventLog implements EventLog {
  readonly events: StreamplaneEvent[] = [];

  constructor(private readonly options: { clock?: Clock; retentionSeconds?: number } = {}) {}

  async append(event: StreamplaneEvent): Promise<void> {
    if (this.events.some((e) => e.id === event.id)) return;
    this.events.push(structuredClone(event));
  }

  async query(query: EventQuery): Promise<StreamplaneEvent[]> {
    checkLimit(query.limit, MAX_QUERY_LIMIT);
    if (query.types && query.types.length > MAX_TYPES) {
      throw new ValidationError(`At most ${MAX_TYPES} types may be given.`, [{ path: 'type', message: 'too many values' }]);
    }
    const live = this.events.filter((e) => !this.expired(e));
    let all =
      query.streamId === undefined
        ? [...live].sort((a, b) => compare(a.time, b.time))
        : live.filter((e) => e.streamId === query.streamId).sort((a, b) => a.sequence - b.sequence);
    if (query.after !== undefined) {
      const known = live.find((e) => e.id === query.after);
      if (!known) throw new ValidationError('after names no event in the log (it may have expired).', [{ path: 'after', message: 'unknown event' }]);
      const index = all.findIndex((e) => e.id === query.after);
      if (index < 0) throw new ValidationError('after names an event of another stream.', [{ path: 'after', message: 'not an event of this stream' }]);
      all = all.slice(index + 1);
    }
    if (query.types?.length) all = all.filter((e) => query.types?.includes(e.type));
    return (query.after !== undefined ? all.slice(0, query.limit) : all.slice(-query.limit)).map((e) => structuredClone(e));
  }

  private expired(event: StreamplaneEvent): boolean {
    const clock = this.options.clock;
    if (!clock) return false;
    const retentionMs = (this.options.retentionSeconds ?? EVENT_RETENTION_SECONDS) * 1000;
    return Date.parse(event.time) + retentionMs <= clock.now().getTime();
  }
}

// All streams are ordered by time. Events of the very same millisecond keep their arrival order here
// (Array.prototype.sort is stable), where DynamoDB breaks such ties by stream id: unit tests with a
// clock that never moves rely on arrival order, and no caller may rely on either tie-break.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
