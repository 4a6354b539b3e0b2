/**
 * What every WebhookStore must do (core/ports/webhook-store.ts): the claim protocol that makes
 * deliveries idempotent (one sender per attempt, one recorded success per event and endpoint, lapsed
 * claims taken over), endpoint versioning and health, and listings with cursors that cannot be pointed
 * elsewhere. Run against the in-memory fake and the DynamoDB adapter on dynalite; `makeStore` must
 * return an empty, isolated store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, DuplicateError, ValidationError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import type { ClaimRequest, WebhookStore } from '../../../core/ports/webhook-store';
import { deliveryIdFor, generateWebhookSecret, type WebhookEndpoint } from '../../../core/webhooks/webhooks';

function endpoint(createdAt = new Date().toISOString()): WebhookEndpoint {
  return { id: newId('webhook'), url: 'https://hooks.example.com/x', events: ['*'], enabled: true, secret: generateWebhookSecret(), createdAt, updatedAt: createdAt, version: 1 };
}

function claim(endpointId: string, eventId: string, attempt: number, at: number, leaseMs = 30_000): ClaimRequest {
  return {
    endpointId,
    deliveryId: deliveryIdFor(endpointId, eventId),
    eventId,
    eventType: 'stream.live',
    streamId: null,
    body: '{"id":"x"}',
    attempt,
    token: `t-${attempt}-${at}`,
    now: new Date(at),
    leaseUntil: new Date(at + leaseMs),
  };
}

export function webhookStoreContract(name: string, makeStore: () => Promise<WebhookStore>): void {
  describe(`WebhookStore contract: ${name}`, () => {
    it('lets exactly one copy claim an attempt, and takes over a claim whose lease ran out', async () => {
      const store = await makeStore();
      const e = endpoint();
      await store.createEndpoint(e);
      const eventId = newId('event');
      const t0 = Date.parse('2025-01-01T00:00:00Z');
      const first = claim(e.id, eventId, 1, t0);
      const results = await Promise.all([first, claim(e.id, eventId, 1, t0 + 1), claim(e.id, eventId, 1, t0 + 2)].map((c) => store.claimAttempt(c)));
      assert.equal(results.filter(Boolean).length, 1, 'one of three concurrent copies wins');
      assert.equal(await store.claimAttempt(claim(e.id, eventId, 1, t0 + 10_000)), false, 'the lease still holds');
      const takeover = claim(e.id, eventId, 1, t0 + 60_000);
      assert.equal(await store.claimAttempt(takeover), true, 'a lapsed lease is taken over');
      const winner = [first, claim(e.id, eventId, 1, t0 + 1), claim(e.id, eventId, 1, t0 + 2)][results.indexOf(true)] as ClaimRequest;
      assert.equal(
        await store.completeAttempt({ endpointId: e.id, deliveryId: first.deliveryId, token: winner.token, now: new Date(t0 + 61_000), outcome: 'retrying', nextAttemptAt: new Date(t0 + 70_000) }),
        false,
        'the old claimant can no longer move the delivery on',
      );
      assert.equal(await store.completeAttempt({ endpointId: e.id, deliveryId: first.deliveryId, token: takeover.token, now: new Date(t0 + 61_000), outcome: 'retrying', nextAttemptAt: new Date(t0 + 70_000) }), true);
      const delivery = await store.getDelivery(e.id, first.deliveryId);
      assert.equal(delivery?.status, 'retrying');
      assert.equal(delivery?.nextAttemptAt, new Date(t0 + 70_000).toISOString());
      assert.equal(delivery?.body, '{"id":"x"}');
      assert.equal(await store.claimAttempt(claim(e.id, eventId, 1, t0 + 80_000)), false, 'a duplicate of attempt 1 after it failed sends nothing');
      assert.equal(await store.claimAttempt(claim(e.id, eventId, 2, t0 + 80_000)), true, 'attempt 2 may go');
    });

    it('records one success per event and endpoint; later copies are duplicates and claim nothing', async () => {
      const store = await makeStore();
      const e = endpoint();
      await store.createEndpoint(e);
      const eventId = newId('event');
      const t0 = Date.now();
      const a = claim(e.id, eventId, 1, t0);
      assert.equal(await store.claimAttempt(a), true);
      const done = { endpointId: e.id, deliveryId: a.deliveryId, now: new Date(t0 + 10), outcome: 'succeeded' as const, statusCode: 200 };
      assert.equal(await store.completeAttempt({ ...done, token: a.token }), true, 'the first success is recorded');
      assert.equal(await store.completeAttempt({ ...done, token: 'someone-else' }), false, 'a second success is not');
      for (const attempt of [1, 2, 9]) assert.equal(await store.claimAttempt(claim(e.id, eventId, attempt, t0 + 100_000)), false, `attempt ${attempt} after success`);
      const delivery = await store.getDelivery(e.id, a.deliveryId);
      assert.equal(delivery?.status, 'succeeded');
      assert.equal(delivery?.lastStatusCode, 200);
      assert.ok(!(await store.pendingDeliveries(100)).some((d) => d.id === a.deliveryId), 'a succeeded delivery is not pending');
    });

    it('allows one more attempt of a dead-lettered delivery, and lists deliveries still pending', async () => {
      const store = await makeStore();
      const e = endpoint();
      await store.createEndpoint(e);
      const eventId = newId('event');
      const t0 = Date.now();
      const last = claim(e.id, eventId, 8, t0);
      assert.equal(await store.claimAttempt(last), true);
      assert.ok((await store.pendingDeliveries(100)).some((d) => d.id === last.deliveryId && d.status === 'in_flight'), 'in flight is pending');
      assert.equal(await store.completeAttempt({ endpointId: e.id, deliveryId: last.deliveryId, token: last.token, now: new Date(t0), outcome: 'dead_lettered', error: { code: 'timeout', message: 'slow' } }), true);
      assert.ok(!(await store.pendingDeliveries(100)).some((d) => d.id === last.deliveryId), 'dead letters are not pending');
      assert.equal((await store.getDelivery(e.id, last.deliveryId))?.lastError?.code, 'timeout');
      assert.equal(await store.claimAttempt(claim(e.id, eventId, 8, t0 + 100_000)), false);
      assert.equal(await store.claimAttempt(claim(e.id, eventId, 9, t0 + 100_000)), true, 'a redriven or manual attempt 9');
      const released = claim(e.id, eventId, 10, t0 + 200_000);
      assert.equal(await store.claimAttempt(released), true);
      await store.releaseClaim(e.id, released.deliveryId, released.token);
      assert.equal(await store.claimAttempt(claim(e.id, eventId, 10, t0 + 200_001)), true, 'a released claim can be taken at once');
    });

    it('versions endpoint edits and keeps health out of them', async () => {
      const store = await makeStore();
      const e = endpoint();
      await store.createEndpoint(e);
      await assert.rejects(store.createEndpoint(e), DuplicateError);
      const since = await store.markFailing(e.id, new Date('2025-01-01T00:00:00Z'));
      assert.equal(await store.markFailing(e.id, new Date('2025-01-02T00:00:00Z')), since, 'the failing run keeps its start');
      await store.putEndpoint({ ...e, url: 'https://hooks.example.com/y', description: 'd' }, { expectedVersion: 1 });
      await assert.rejects(store.putEndpoint({ ...e, url: 'https://lost.example.com/' }, { expectedVersion: 1 }), ConflictError);
      let stored = await store.getEndpoint(e.id);
      assert.equal(stored?.url, 'https://hooks.example.com/y');
      assert.equal(stored?.version, 2);
      assert.equal(stored?.failingSince, since, 'an API edit does not clear health');
      assert.equal(await store.disableForFailing(e.id, new Date('2031-01-01T00:00:00.000Z')), true);
      assert.equal(await store.disableForFailing(e.id, new Date()), false, 'only one caller disables');
      stored = await store.getEndpoint(e.id);
      assert.equal(stored?.enabled, false);
      assert.equal(stored?.version, 3);
      assert.equal(stored?.disabledReason, 'failing');
      assert.equal(stored?.disabledAt, '2031-01-01T00:00:00.000Z');
      assert.equal(stored?.updatedAt, '2031-01-01T00:00:00.000Z', 'disabling is an edit of the endpoint');
      await store.putEndpoint({ ...(stored as WebhookEndpoint), enabled: true }, { expectedVersion: 3, clearFailing: true });
      stored = await store.getEndpoint(e.id);
      assert.equal(stored?.failingSince, undefined);
      assert.equal(stored?.description, 'd');
      await store.putEndpoint({ ...(stored as WebhookEndpoint), description: undefined } as unknown as WebhookEndpoint, { expectedVersion: 4 });
      assert.equal((await store.getEndpoint(e.id))?.description, undefined, 'an optional field left out is removed');
      assert.equal(await store.deleteEndpoint(e.id), true);
      assert.equal(await store.deleteEndpoint(e.id), false);
      assert.equal(await store.markFailing(e.id, new Date()), undefined);
    });

    it('lists endpoints and attempts newest first with cursors that cannot be forged', async () => {
      const store = await makeStore();
      const e = endpoint('2030-01-01T00:00:00.000Z');
      await store.createEndpoint(e);
      const older = endpoint('2029-01-01T00:00:00.000Z');
      await store.createEndpoint(older);
      const deliveryId = deliveryIdFor(e.id, 'evt_aaaaaaaaaaaaaaaaaaaa');
      for (let attempt = 1; attempt <= 5; attempt++) {
        await store.appendAttempt({
          deliveryId,
          endpointId: e.id,
          eventId: 'evt_aaaaaaaaaaaaaaaaaaaa',
          eventType: 'stream.live',
          streamId: null,
          attempt,
          trigger: attempt === 1 ? 'event' : 'retry',
          startedAt: new Date(Date.UTC(2030, 0, 1, 0, attempt)).toISOString(),
          outcome: 'failed',
          latencyMs: attempt,
          error: { code: 'http_status', message: 'HTTP 500' },
        });
      }
      const first = await store.listAttempts(e.id, { limit: 2 });
      assert.deepEqual(first.items.map((a) => a.attempt), [5, 4]);
      const second = await store.listAttempts(e.id, { limit: 2, cursor: first.next as string });
      assert.deepEqual(second.items.map((a) => a.attempt), [3, 2]);
      const third = await store.listAttempts(e.id, { limit: 2, cursor: second.next as string });
      assert.deepEqual(third.items.map((a) => a.attempt), [1]);
      assert.equal(third.next, undefined);
      const one = await store.listAttempts(e.id, { limit: 3, deliveryId });
      assert.deepEqual(one.items.map((a) => a.attempt), [5, 4, 3]);
      assert.deepEqual((await store.listAttempts(e.id, { limit: 3, deliveryId, cursor: one.next as string })).items.map((a) => a.attempt), [2, 1]);

      const forged = Buffer.from(JSON.stringify({ v: 1, sk: 'STREAM', gsi1sk: 'x' })).toString('base64url');
      await assert.rejects(store.listAttempts(e.id, { limit: 2, cursor: forged }), ValidationError);
      await assert.rejects(store.listAttempts(e.id, { limit: 2, cursor: 'not-a-cursor!' }), ValidationError);
      await assert.rejects(store.listEndpoints({ limit: 2, cursor: forged }), ValidationError);
      await assert.rejects(store.listAttempts(e.id, { limit: 101 }), ValidationError);

      const page = await store.listEndpoints({ limit: 1 });
      assert.equal(page.items[0]?.id, e.id, 'newest first');
      assert.ok(page.next);
      assert.ok((await store.listEndpoints({ limit: 100, cursor: page.next as string })).items.every((x) => x.id !== e.id));
      assert.equal(await store.countEndpoints(), (await store.allEndpoints()).length);
      assert.deepEqual((await store.listEndpoints({ limit: 100, cursor: page.next as string })).items.map((x) => x.id), [older.id]);
      assert.equal(await store.countEndpoints(), 2);
      assert.deepEqual((await store.allEndpoints()).map((x) => x.id).sort(), [e.id, older.id].sort());
    });

    it('merges attempts of many deliveries, endpoints and pending deliveries across partitions in order', async () => {
      const store = await makeStore();
      const e = endpoint('2030-01-01T00:00:00.000Z');
      await store.createEndpoint(e);
      const more: string[] = [e.id];
      for (let i = 1; i < 12; i++) {
        const x = endpoint(new Date(Date.UTC(2030, 0, 1) + i * 1000).toISOString());
        await store.createEndpoint(x);
        more.push(x.id);
      }
      const endpointPages: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listEndpoints({ limit: 5, ...(cursor ? { cursor } : {}) });
        endpointPages.push(...page.items.map((x) => x.id));
        cursor = page.next;
      } while (cursor);
      assert.deepEqual(endpointPages, [...more].reverse(), 'endpoints newest first across pages');
      assert.equal(await store.countEndpoints(), 12);

      // One attempt per delivery: 40 deliveries spread over every shard a store may use.
      const startedAt = (i: number) => new Date(Date.UTC(2030, 0, 2, 0, 0, i)).toISOString();
      for (let i = 0; i < 40; i++) {
        const eventId = newId('event');
        await store.appendAttempt({
          deliveryId: deliveryIdFor(e.id, eventId),
          endpointId: e.id,
          eventId,
          eventType: 'stream.live',
          streamId: null,
          attempt: 1,
          trigger: 'event',
          startedAt: startedAt(i),
          outcome: 'succeeded',
          statusCode: 200,
          latencyMs: i,
        });
      }
      const times: string[] = [];
      cursor = undefined;
      do {
        const page = await store.listAttempts(e.id, { limit: 7, ...(cursor ? { cursor } : {}) });
        times.push(...page.items.map((a) => a.startedAt));
        cursor = page.next;
      } while (cursor);
      assert.deepEqual(times, Array.from({ length: 40 }, (_, i) => startedAt(39 - i)), 'attempts newest first, nothing twice or skipped');

      // Pending deliveries: oldest due first, across deliveries of many events.
      const base = Date.UTC(2030, 0, 3);
      for (let i = 0; i < 20; i++) assert.ok(await store.claimAttempt(claim(e.id, newId('event'), 1, base + (19 - i) * 1000)));
      const pending = await store.pendingDeliveries(100);
      const due = pending.map((p) => p.dueAt);
      assert.equal(pending.length, 20);
      assert.deepEqual(due, [...due].sort(), 'oldest due first');
      assert.deepEqual((await store.pendingDeliveries(5)).map((p) => p.dueAt), due.slice(0, 5));
    });
  });
}
