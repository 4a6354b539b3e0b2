/**
 * The dispatcher handler's decisions, with fakes around it: who gets an event, what is routed to the
 * retry lane, what a record failure is (the plane's fault) and what it is not (a receiver's). The
 * per-endpoint gate is tested with core (test/unit/core/webhooks/delivery-slots.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { systemClock } from '../../../core/ports/clock';
import type { ClaimRequest, CompleteRequest } from '../../../core/ports/webhook-store';
import type { AttemptMessage } from '../../../core/ports/retry-scheduler';
import type { SendRequest, SendResult } from '../../../core/ports/webhook-sender';
import { attemptMessage } from '../../../core/webhooks/delivery';
import { generateWebhookSecret, type WebhookEndpoint } from '../../../core/webhooks/webhooks';
import { systemTimers } from '../../../adapters/system-timers';
import { createWebhookDispatcherHandler } from '../../../lambdas/webhook-dispatcher/handler';
import { MemoryWebhookStore } from '../../support/memory-webhook-store';

class ClaimingStore extends MemoryWebhookStore {
  readonly claims: ClaimRequest[] = [];
  failClaims = false;
  override async claimAttempt(request: ClaimRequest): Promise<boolean> {
    if (this.failClaims) throw new Error('table unavailable');
    this.claims.push(request);
    return true;
  }
  override async completeAttempt(_request: CompleteRequest): Promise<boolean> {
    return true;
  }
  override async releaseClaim(_endpointId: string, _deliveryId: string, _token: string): Promise<void> {}
}

function endpoint(id: string, overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  const now = new Date().toISOString();
  return { id, url: `https://hooks.example.com/${id}`, events: ['*'], enabled: true, secret: generateWebhookSecret(), createdAt: now, updatedAt: now, version: 1, ...overrides };
}

const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
let counter = 0;
const record = (body: unknown): SQSRecord =>
  ({ messageId: `m${++counter}`, body: typeof body === 'string' ? body : JSON.stringify(body), attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;

const envelope = (id: string, type = 'stream.live') => ({
  version: '0',
  id: 'eb-1',
  'detail-type': type,
  source: 'streamplane',
  time: '2025-01-01T00:00:00Z',
  detail: { id, type, version: 1, time: '2025-01-01T00:00:00.000Z', streamId: 'st_aaaaaaaaaaaaaaaaaaaa', sequence: 3, data: {} },
});

function setup() {
  const store = new ClaimingStore();
  const sent: SendRequest[] = [];
  const scheduled: Array<{ message: AttemptMessage; delayMs: number }> = [];
  let answer: SendResult = { ok: true, statusCode: 200, latencyMs: 1 };
  const handler = createWebhookDispatcherHandler({
    store,
    sender: { send: async (request) => (sent.push(request), answer) },
    scheduler: { schedule: async (message, delayMs) => void scheduled.push({ message, delayMs }) },
    deadLetters: { deadLetter: async () => undefined },
    emit: async () => {
      throw new Error('not expected');
    },
    clock: systemClock,
    timers: systemTimers,
  });
  const run = (records: SQSRecord[]) => handler({ Records: records } as SQSEvent, context);
  return { store, sent, scheduled, run, answer: (a: SendResult) => (answer = a) };
}

describe('webhook dispatcher', () => {
  it('fans an event out to enabled endpoints that want its type, and routes failing ones to the retry lane', async () => {
    const t = setup();
    for (const e of [
      endpoint('wh_aaaaaaaaaaaaaaaaaaaa'),
      endpoint('wh_bbbbbbbbbbbbbbbbbbbb', { events: ['stream.live'] }),
      endpoint('wh_cccccccccccccccccccc', { events: ['stream.ended'] }),
      endpoint('wh_dddddddddddddddddddd', { enabled: false, disabledReason: 'manual' }),
      endpoint('wh_eeeeeeeeeeeeeeeeeeee', { failingSince: new Date().toISOString() }),
    ])
      await t.store.createEndpoint(e);
    const result = await t.run([record(envelope('evt_aaaaaaaaaaaaaaaaaaaa'))]);
    assert.deepEqual(result.batchItemFailures, []);
    assert.deepEqual(t.sent.map((s) => s.url).sort(), ['https://hooks.example.com/wh_aaaaaaaaaaaaaaaaaaaa', 'https://hooks.example.com/wh_bbbbbbbbbbbbbbbbbbbb']);
    assert.ok(t.sent.every((s) => s.headers['webhook-id'] === 'evt_aaaaaaaaaaaaaaaaaaaa' && s.timeoutMs === 10_000));
    assert.deepEqual(t.scheduled.map((s) => [s.message.endpointId, s.message.attempt, s.message.trigger, s.delayMs]), [['wh_eeeeeeeeeeeeeeeeeeee', 1, 'event', 0]]);
  });

  it('fails only the records it could not read or process, not the ones whose receiver failed', async () => {
    const t = setup();
    await t.store.createEndpoint(endpoint('wh_aaaaaaaaaaaaaaaaaaaa'));
    t.answer({ ok: false, statusCode: 500, latencyMs: 1, error: { code: 'http_status', message: 'HTTP 500' } });
    const garbage = record('not json');
    const foreign = record({ ...envelope('evt_bbbbbbbbbbbbbbbbbbbb'), source: 'someone.else' });
    const forged = record({ ...attemptMessage({ endpointId: 'wh_aaaaaaaaaaaaaaaaaaaa', eventId: 'evt_cccccccccccccccccccc', eventType: 'stream.live', streamId: null, body: '{}', attempt: 2, trigger: 'retry' }), deliveryId: 'dlv_aaaaaaaaaaaaaaaaaaaa' });
    const good = record(envelope('evt_dddddddddddddddddddd'));
    const result = await t.run([garbage, foreign, forged, good]);
    assert.deepEqual(result.batchItemFailures.map((f) => f.itemIdentifier).sort(), [garbage.messageId, foreign.messageId, forged.messageId].sort());
    assert.equal(t.sent.length, 1, 'the readable event was attempted');
    assert.equal(t.scheduled[0]?.message.attempt, 2, 'and its failure scheduled attempt 2');
  });

  it('fails a record when the store fails, so the queue brings it back', async () => {
    const t = setup();
    await t.store.createEndpoint(endpoint('wh_aaaaaaaaaaaaaaaaaaaa'));
    t.store.failClaims = true;
    const r = record(envelope('evt_aaaaaaaaaaaaaaaaaaaa'));
    assert.deepEqual((await t.run([r])).batchItemFailures, [{ itemIdentifier: r.messageId }]);
    assert.equal(t.sent.length, 0);
  });

  it('re-sends one more hop of a long wait, and drops attempts for deleted endpoints', async () => {
    const t = setup();
    const base = attemptMessage({ endpointId: 'wh_aaaaaaaaaaaaaaaaaaaa', eventId: 'evt_aaaaaaaaaaaaaaaaaaaa', eventType: 'stream.live', streamId: null, body: '{"a":1}', attempt: 5, trigger: 'retry' });
    const result = await t.run([record({ ...base, delayRemainingMs: 3_600_000 }), record({ ...base, endpointId: 'wh_bbbbbbbbbbbbbbbbbbbb', deliveryId: attemptMessage({ ...base, endpointId: 'wh_bbbbbbbbbbbbbbbbbbbb' }).deliveryId })]);
    assert.deepEqual(result.batchItemFailures, []);
    assert.deepEqual(t.scheduled.map((s) => [s.delayMs, s.message.attempt]), [[3_600_000, 5]]);
    assert.equal(t.sent.length, 0);
  });

  it('delivers a due attempt message with its own attempt number and the same body', async () => {
    const t = setup();
    await t.store.createEndpoint(endpoint('wh_aaaaaaaaaaaaaaaaaaaa'));
    const message = attemptMessage({ endpointId: 'wh_aaaaaaaaaaaaaaaaaaaa', eventId: 'evt_aaaaaaaaaaaaaaaaaaaa', eventType: 'stream.live', streamId: null, body: '{"a":1}', attempt: 3, trigger: 'retry' });
    await t.run([record(message)]);
    assert.equal(t.sent[0]?.body, '{"a":1}');
    assert.equal(t.store.claims[0]?.attempt, 3);
    assert.equal(t.store.attempts[0]?.outcome, 'succeeded');
  });
});
