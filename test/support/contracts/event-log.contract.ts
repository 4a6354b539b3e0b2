/**
 * What every EventLog must do (core/ports/event-bus.ts; semantics in adapters/dynamodb-event-log.ts):
 * per-stream order by sequence, all streams by time, `after` as an exclusive position, type filters,
 * idempotent appends and seven-day expiry. Run against the in-memory fake and the DynamoDB adapter on
 * dynalite. `makeLog` must return an empty, isolated log that reads time from `clock`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../../core/errors';
import { buildEvent, type StreamplaneEvent } from '../../../core/events/catalog';
import { newId } from '../../../core/ids';
import type { EventLog } from '../../../core/ports/event-bus';
import { ManualClock } from '../recorded-events';

export function eventLogContract(name: string, makeLog: (clock: ManualClock) => Promise<EventLog>): void {
  describe(`EventLog contract: ${name}`, () => {
    async function setup() {
      const clock = new ManualClock('2025-03-01T12:00:00.000Z');
      const log = await makeLog(clock);
      const sequences = new Map<string, number>();
      /** A catalog-valid event, one millisecond after the previous one. */
      const event = (streamId: string | null, type: 'stream.created' | 'stream.disabled' | 'stream.enabled' | 'stream.rejected' = 'stream.disabled'): StreamplaneEvent => {
        clock.advance(1);
        const key = streamId ?? '-';
        const sequence = (sequences.get(key) ?? 0) + 1;
        sequences.set(key, sequence);
        const meta = { id: newId('event'), time: clock.now(), sequence };
        if (type === 'stream.created') return buildEvent({ type, streamId, data: { name: 'x' } }, meta);
        if (type === 'stream.rejected') return buildEvent({ type, streamId, data: { reason: 'unknown_key', remoteAddress: '192.0.2.1' } }, meta);
        return buildEvent({ type, streamId, data: {} }, meta);
      };
      const appendAll = async (events: StreamplaneEvent[]) => {
        for (const e of events) await log.append(e);
      };
      return { clock, log, event, appendAll };
    }

    const ids = (events: StreamplaneEvent[]) => events.map((e) => e.id);

    it("returns a stream's events in sequence order, byte for byte as appended", async () => {
      const { log, event, appendAll } = await setup();
      const stream = newId('stream');
      const events = [event(stream, 'stream.created'), event(stream), event(stream, 'stream.enabled')];
      // Appended out of order: delivery order must not matter.
      await appendAll([events[2], events[0], events[1]] as StreamplaneEvent[]);
      assert.deepEqual(await log.query({ streamId: stream, limit: 10 }), events);
    });

    it('stores a redelivered event once', async () => {
      const { log, event } = await setup();
      const stream = newId('stream');
      const e = event(stream);
      await log.append(e);
      await log.append(e);
      await log.append({ ...e });
      assert.deepEqual(ids(await log.query({ streamId: stream, limit: 10 })), [e.id]);
      assert.deepEqual(ids(await log.query({ limit: 10 })), [e.id]);
    });

    it('without a stream, returns the most recent events across streams, oldest first', async () => {
      const { log, event, appendAll } = await setup();
      const a = newId('stream');
      const b = newId('stream');
      const events = [event(a, 'stream.created'), event(b, 'stream.created'), event(null, 'stream.rejected'), event(a), event(b)];
      // Appended out of order: the global view is ordered by time, not by arrival.
      await appendAll([events[1], events[0], events[4], events[2], events[3]] as StreamplaneEvent[]);
      assert.deepEqual(ids(await log.query({ limit: 10 })), ids(events));
      assert.deepEqual(ids(await log.query({ limit: 2 })), ids(events.slice(-2)));
    });

    it('with after, returns what follows that event (exclusive), per stream and across streams', async () => {
      const { log, event, appendAll } = await setup();
      const a = newId('stream');
      const b = newId('stream');
      const events = [event(a), event(b), event(a), event(b), event(a)];
      await appendAll(events);
      const [a1, b1, a2, , a3] = events as [StreamplaneEvent, StreamplaneEvent, StreamplaneEvent, StreamplaneEvent, StreamplaneEvent];

      assert.deepEqual(ids(await log.query({ streamId: a, after: a1.id, limit: 10 })), [a2.id, a3.id]);
      assert.deepEqual(ids(await log.query({ streamId: a, after: a1.id, limit: 1 })), [a2.id]);
      assert.deepEqual(ids(await log.query({ after: b1.id, limit: 10 })), ids(events.slice(2)));
      assert.deepEqual(await log.query({ after: a3.id, limit: 10 }), []);
    });

    it('across many streams (and partitions), pages by time with after: nothing twice, nothing skipped', async () => {
      const { log, event, appendAll } = await setup();
      const streams = Array.from({ length: 30 }, () => newId('stream'));
      const events = Array.from({ length: 90 }, (_, i) => event(i % 7 === 0 ? null : (streams[i % streams.length] as string)));
      // Appended in a scrambled order: the view is ordered by time, not by arrival.
      await appendAll([...events].sort((x, y) => (x.id < y.id ? -1 : 1)));
      assert.deepEqual(ids(await log.query({ limit: 1000 })), ids(events));
      assert.deepEqual(ids(await log.query({ limit: 13 })), ids(events.slice(-13)), 'the most recent, oldest first');
      for (const limit of [1, 8, 17]) {
        const seen: StreamplaneEvent[] = [];
        let after: string | undefined = events[0]?.id;
        seen.push(events[0] as StreamplaneEvent);
        for (;;) {
          const page = await log.query({ limit, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          seen.push(...page);
          after = page[page.length - 1]?.id;
        }
        assert.deepEqual(ids(seen), ids(events), `page size ${limit}`);
      }
    });

    it('refuses an after that is unknown or belongs to another stream', async () => {
      const { log, event, appendAll } = await setup();
      const a = newId('stream');
      const b = newId('stream');
      const eb = event(b);
      await appendAll([event(a), eb]);
      await assert.rejects(log.query({ after: newId('event'), limit: 10 }), ValidationError);
      await assert.rejects(log.query({ streamId: a, after: eb.id, limit: 10 }), ValidationError);
    });

    it('filters by type across more than one page of reads', async () => {
      const { log, event, appendAll } = await setup();
      const stream = newId('stream');
      const events: StreamplaneEvent[] = [];
      for (let i = 0; i < 260; i++) events.push(event(stream, i % 50 === 0 ? 'stream.enabled' : 'stream.disabled'));
      await appendAll(events);
      const enabled = events.filter((e) => e.type === 'stream.enabled');

      assert.deepEqual(ids(await log.query({ streamId: stream, types: ['stream.enabled'], limit: 100 })), ids(enabled));
      assert.deepEqual(ids(await log.query({ types: ['stream.enabled'], limit: 2 })), ids(enabled.slice(-2)));
      assert.deepEqual(ids(await log.query({ types: ['stream.enabled'], after: events[0]?.id as string, limit: 2 })), ids(enabled.slice(1, 3)));
      assert.equal((await log.query({ streamId: stream, limit: 1000 })).length, 260);
    });

    it('hides events older than seven days, even before TTL deletes them', async () => {
      const { clock, log, event } = await setup();
      const stream = newId('stream');
      const old = event(stream);
      await log.append(old);
      clock.advance(8 * 24 * 3600 * 1000);
      const recent = event(stream);
      await log.append(recent);
      assert.deepEqual(ids(await log.query({ streamId: stream, limit: 10 })), [recent.id]);
      await assert.rejects(log.query({ after: old.id, limit: 10 }), ValidationError);
    });

    it('refuses an out-of-range limit or too many types', async () => {
      const { log } = await setup();
      await assert.rejects(log.query({ limit: 0 }), ValidationError);
      await assert.rejects(log.query({ limit: 1001 }), ValidationError);
      await assert.rejects(log.query({ limit: 10, types: Array.from({ length: 51 }, (_, i) => `t${i}`) }), ValidationError);
    });
  });
}
