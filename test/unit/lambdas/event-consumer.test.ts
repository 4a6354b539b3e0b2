/** The cloud event consumer fills the event log from EventBridge-in-SQS records, once per event. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Context, SQSEvent } from 'aws-lambda';
import { buildEvent, type StreamplaneEvent } from '../../../core/events/catalog';
import { newId } from '../../../core/ids';
import type { EventLog, EventQuery } from '../../../core/ports/event-bus';
import { createEventConsumerHandler } from '../../../lambdas/stream-registry/event-consumer';

class MemoryLog implements EventLog {
  readonly events = new Map<string, StreamplaneEvent>();
  failNext = false;
  async append(event: StreamplaneEvent): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('throttled');
    }
    this.events.set(event.id, event);
  }
  async query(_q: EventQuery): Promise<StreamplaneEvent[]> {
    return [...this.events.values()];
  }
}

function record(messageId: string, body: unknown) {
  return { messageId, body: typeof body === 'string' ? body : JSON.stringify(body) } as SQSEvent['Records'][number];
}

function bridged(event: StreamplaneEvent) {
  return { version: '0', id: 'eb-1', 'detail-type': event.type, source: 'streamplane', time: event.time, detail: event };
}

const context = {} as Context;

describe('registry event consumer', () => {
  const live = buildEvent(
    { type: 'stream.live', streamId: newId('stream'), sessionId: newId('session'), data: { playback: { hls: 'https://cdn/x' }, topRung: 'encode', reason: 'r', renditions: [] } },
    { id: newId('event'), time: new Date(), sequence: 3 },
  );

  it('appends each event once, even when the queue delivers it twice', async () => {
    const log = new MemoryLog();
    const handler = createEventConsumerHandler({ eventLog: log });
    const result = await handler({ Records: [record('a', bridged(live)), record('b', bridged(live))] }, context);
    assert.deepEqual(result.batchItemFailures, []);
    assert.deepEqual([...log.events.keys()], [live.id]);
  });

  it('reports only the records that failed or can never be read', async () => {
    const log = new MemoryLog();
    log.failNext = true;
    const handler = createEventConsumerHandler({ eventLog: log });
    const wrongData = bridged({ ...live, id: newId('event'), data: { playback: 'nope' } as never });
    const result = await handler(
      { Records: [record('throttled', bridged(live)), record('garbage', '{not json'), record('foreign', { ...bridged(live), source: 'other' }), record('bad-data', wrongData), record('ok', bridged({ ...live, id: newId('event') }))] },
      context,
    );
    assert.deepEqual(result.batchItemFailures.map((f) => f.itemIdentifier), ['throttled', 'garbage', 'foreign', 'bad-data']);
    assert.equal(log.events.size, 1);
  });
});
