/**
 * Webhook delivery end to end as the local plane runs it: events on the bus → EventBridge-shaped
 * queue messages → the dispatcher Lambda handler → a real HTTP receiver, with dynalite behind the
 * delivery log. Every delivery is verified with the off-the-shelf `standardwebhooks` library. Retry
 * delays run compressed (a day of backoff in about a second); everything else is real.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { buildEvent } from '../../core/events/catalog';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import type { DeliveryAttempt } from '../../core/ports/webhook-store';
import { authorizePublish, endSession, markLive } from '../../core/streams/publish-session';
import { createStream } from '../../core/streams/stream-registry';
import { deliveryIdFor } from '../../core/webhooks/webhooks';
import { LocalEventBus } from '../../adapters/local-event-bus';
import { compressedScheduler, realScheduler } from '../../adapters/local-queue';
import { silentLogger } from '../../core/ports/logger';
import { eventBridgeEnvelope, wireLocalWebhooks } from '../../local/webhooks-wiring';
import { startWebhookHarness, TABLE, type HarnessOptions, type WebhookHarness } from '../support/webhook-harness';
import { closedPort, startWebhookReceiver, type ReceivedRequest, type Responder, type WebhookReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait';

interface Created {
  id: string;
  url: string;
  events: string[];
  secret: string;
}

interface Envelope {
  id: string;
  type: string;
  streamId: string | null;
  sequence: number;
  data: Record<string, unknown>;
}

/** Runs `body` with a fresh harness and receiver, closing both whatever happens. */
async function withPlane(options: HarnessOptions, respond: Responder, body: (h: WebhookHarness, r: WebhookReceiver) => Promise<void>): Promise<void> {
  const receiver = await startWebhookReceiver(respond);
  const harness = await startWebhookHarness(options).catch(async (err: unknown) => {
    await receiver.close();
    throw err;
  });
  try {
    await body(harness, receiver);
  } finally {
    receiver.releaseHanging();
    await harness.close();
    await receiver.close();
  }
}

async function register(h: WebhookHarness, url: string, events?: string[]): Promise<Created> {
  const created = await h.api<Created>('POST', '/v1/webhooks', { url, ...(events ? { events } : {}) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

/** Verifies with the standardwebhooks library and returns the envelope. */
function verified(secret: string, request: ReceivedRequest): Envelope {
  const headers = {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
  const envelope = new Webhook(secret).verify(request.body, headers) as Envelope;
  assert.equal(envelope.id, headers['webhook-id'], 'webhook-id is the event id consumers dedupe on');
  return envelope;
}

async function attempts(h: WebhookHarness, webhookId: string): Promise<DeliveryAttempt[]> {
  const out = await h.api<{ items: DeliveryAttempt[] }>('GET', `/v1/webhooks/${webhookId}/deliveries?limit=100`);
  assert.equal(out.status, 200);
  return out.body.items;
}

describe('webhook delivery', () => {
  it('delivers a publish as stream.connected, stream.live, stream.ended in sequence order, each verifiable with standardwebhooks', async () => {
    await withPlane({}, () => ({ status: 204 }), async (h, receiver) => {
      const hook = await register(h, receiver.url('/lifecycle'), ['stream.connected', 'stream.live', 'stream.ended']);
      assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]+=*$/);

      const deps = { store: h.streams, emit: h.emit, clock: systemClock };
      const { stream, streamKey } = await createStream(deps, { name: 'webhook lifecycle' });
      const decision = await authorizePublish(deps, { app: 'live', streamKey, remoteAddress: '127.0.0.1' });
      assert.ok(decision.allowed);
      const decisionTranscode = { topRung: 'passthrough' as const, reason: 'test', renditions: [{ name: '720p', width: 1280, height: 720, bandwidth: 3_000_000, codecs: 'avc1.64001f,mp4a.40.2' }] };
      assert.ok(await markLive(deps, stream.id, decision.sessionId, decisionTranscode, 'http://127.0.0.1/live/master.m3u8'));
      assert.ok(await endSession(deps, stream.id, decision.sessionId, 'publisher_gone'));

      const received = await receiver.waitForCount('/lifecycle', 3);
      const envelopes = received.map((r) => verified(hook.secret, r)).sort((a, b) => a.sequence - b.sequence);
      assert.deepEqual(envelopes.map((e) => e.type), ['stream.connected', 'stream.live', 'stream.ended']);
      assert.ok(envelopes.every((e) => e.streamId === stream.id));
      assert.ok(envelopes[0]!.sequence < envelopes[1]!.sequence && envelopes[1]!.sequence < envelopes[2]!.sequence, 'sequence strictly increases');
      assert.equal(new Set(envelopes.map((e) => e.id)).size, 3, 'every event has its own id');
      assert.ok(received.every((r) => r.headers['content-type'] === 'application/json' && r.method === 'POST'));
      assert.ok(!received.some((r) => r.body.includes(streamKey)), 'no delivery carries the stream key');

      await waitFor('three successes in the log', async () => ((await attempts(h, hook.id)).filter((a) => a.outcome === 'succeeded').length === 3 ? true : undefined));
      const log = await attempts(h, hook.id);
      assert.ok(log.every((a) => a.statusCode === 204 && a.attempt === 1 && a.latencyMs >= 0));
      assert.deepEqual(receiver.at('/lifecycle').length, 3, 'stream.created was filtered out');
    });
  });

  it('retries a receiver that fails twice and delivers on the third attempt with the same webhook-id', async () => {
    await withPlane({}, (_req, index) => (index < 2 ? { status: 500, body: 'try later' } : { status: 200 }), async (h, receiver) => {
      const hook = await register(h, receiver.url('/flaky'), ['stream.created']);
      await createStreamEvent(h);

      const received = await receiver.waitForCount('/flaky', 3);
      const ids = new Set(received.map((r) => r.headers['webhook-id']));
      assert.equal(ids.size, 1, 'the same webhook-id on every attempt');
      assert.equal(new Set(received.map((r) => r.body)).size, 1, 'the same body on every attempt');
      for (const request of received) verified(hook.secret, request);

      const deliveryId = deliveryIdFor(hook.id, String(received[0]!.headers['webhook-id']));
      const delivery = await waitFor('the delivery to succeed', async () => {
        const d = await h.api<{ status: string; attempts: number; attemptLog: DeliveryAttempt[] }>('GET', `/v1/webhooks/${hook.id}/deliveries/${deliveryId}`);
        // The success is recorded on the delivery first, then in the attempt log.
        return d.body.status === 'succeeded' && d.body.attemptLog.length === 3 ? d.body : undefined;
      });
      assert.equal(delivery.attempts, 3);
      const log = [...delivery.attemptLog].sort((a, b) => a.attempt - b.attempt);
      assert.deepEqual(log.map((a) => [a.attempt, a.outcome, a.statusCode]), [
        [1, 'failed', 500],
        [2, 'failed', 500],
        [3, 'succeeded', 200],
      ]);
      assert.ok(log[0]!.nextRetryAt && log[1]!.nextRetryAt, 'failed attempts say when the next one is due');
      assert.equal(log[0]!.error?.code, 'http_status');
      assert.match(log[0]!.error?.message ?? '', /HTTP 500: try later/);
      // 5 s after the first attempt, then 5 min after the second (in the compressed clock of the queue).
      assert.equal(Date.parse(log[0]!.nextRetryAt as string) - Date.parse(log[0]!.startedAt) >= 5_000, true);
      assert.equal(Date.parse(log[1]!.nextRetryAt as string) - Date.parse(log[1]!.startedAt) >= 300_000, true);
    });
  });

  it('dead-letters a delivery to a receiver that is down for the whole window, with every attempt logged, and redrives it', async () => {
    const port = await closedPort();
    await withPlane({}, () => ({ status: 200 }), async (h, receiver) => {
      const hook = await register(h, `http://127.0.0.1:${port}/down`, ['stream.created']);
      const event = await createStreamEvent(h);
      const deliveryId = deliveryIdFor(hook.id, event.id);

      const parked = await waitFor('a dead letter', () => (h.webhooks.deadLetterQueue.size === 1 ? h.webhooks.deadLetterQueue.peek() : undefined), { timeoutMs: 30_000 });
      const dead = JSON.parse(parked[0]!.body) as { deliveryId: string; attempt: number; deadLetter: { code: string } };
      assert.equal(dead.deliveryId, deliveryId);
      assert.equal(dead.attempt, 9, 'redriving it makes the ninth attempt');
      assert.equal(dead.deadLetter.code, 'connect');

      const delivery = await h.api<{ status: string; attempts: number; attemptLog: DeliveryAttempt[] }>('GET', `/v1/webhooks/${hook.id}/deliveries/${deliveryId}`);
      assert.equal(delivery.body.status, 'dead_lettered');
      assert.equal(delivery.body.attempts, 8);
      const log = [...delivery.body.attemptLog].sort((a, b) => a.attempt - b.attempt);
      assert.deepEqual(log.map((a) => a.attempt), [1, 2, 3, 4, 5, 6, 7, 8], 'every attempt is in the log');
      assert.ok(log.every((a) => a.outcome === 'failed' && a.error?.code === 'connect'));
      assert.ok(log.slice(0, 7).every((a) => a.nextRetryAt !== undefined && !a.deadLettered));
      assert.equal(log[7]!.deadLettered, true);
      assert.equal(log[7]!.nextRetryAt, undefined);
      const gaps = log.slice(0, 7).map((a) => Math.round((Date.parse(a.nextRetryAt as string) - Date.parse(a.startedAt)) / 1000));
      assert.deepEqual(gaps, [5, 300, 1800, 7200, 18000, 36000, 36000], 'the documented schedule, in seconds');

      // The receiver is back (at a new URL): re-point the endpoint and redrive the dead-letter queue.
      assert.equal((await h.api('PATCH', `/v1/webhooks/${hook.id}`, { url: receiver.url('/back') })).status, 200);
      assert.equal(await h.webhooks.redrive(), 1);
      const [request] = await receiver.waitForCount('/back', 1);
      assert.equal(verified(hook.secret, request!).id, event.id);
      await waitFor('the redriven delivery to succeed', async () => {
        const d = await h.api<{ status: string; attempts: number }>('GET', `/v1/webhooks/${hook.id}/deliveries/${deliveryId}`);
        return d.body.status === 'succeeded' && d.body.attempts === 9 ? true : undefined;
      });
    });
  });

  it('sends and records one success for an event and endpoint even when queue messages are duplicated', async () => {
    await withPlane({}, () => ({ status: 200, delayMs: 150 }), async (h, receiver) => {
      const hook = await register(h, receiver.url('/dup'), ['stream.created']);
      // One event, as EventBridge/SQS may hand it over more than once: three copies at the same time...
      const event = buildEvent({ type: 'stream.created', streamId: newId('stream'), data: { name: 'dup' } }, { id: newId('event'), time: new Date(), sequence: 1 });
      await Promise.all([0, 1, 2].map(() => h.webhooks.eventsQueue.sendMessage(JSON.stringify(eventBridgeEnvelope(event)))));
      await receiver.waitForCount('/dup', 1);
      await h.webhooks.whenIdle();
      // ...and one more long after the first was delivered.
      await h.webhooks.eventsQueue.sendMessage(JSON.stringify(eventBridgeEnvelope(event)));
      await h.webhooks.whenIdle();

      assert.equal(receiver.at('/dup').length, 1, 'the receiver got the event once');
      verified(hook.secret, receiver.at('/dup')[0]!);
      const log = await attempts(h, hook.id);
      assert.equal(log.filter((a) => a.outcome === 'succeeded').length, 1, 'one successful delivery record');
      assert.equal(log.length, 1);
      const retry = await h.api<{ code: string }>('POST', `/v1/webhooks/${hook.id}/deliveries/${deliveryIdFor(hook.id, event.id)}/retry`);
      assert.equal(retry.status, 409, 'a succeeded delivery is not sent again');
    });
  });

  it('refuses a URL pointing at a private address in cloud configuration, and stores nothing', async () => {
    const resolve = async (host: string) => (host === 'hooks.internal.test' ? [{ address: '10.0.0.7', family: 4 as const }] : [{ address: '93.184.216.34', family: 4 as const }]);
    await withPlane({ allowLoopback: false, resolve }, () => ({ status: 200 }), async (h, receiver) => {
      for (const url of [receiver.url('/x'), 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:10.1.2.3]/', 'https://hooks.internal.test/x', 'http://localhost:9/x']) {
        const refused = await h.api<{ code: string; errors?: Array<{ path: string; message: string }> }>('POST', '/v1/webhooks', { url });
        assert.equal(refused.status, 400, url);
        assert.equal(refused.headers.get('content-type'), 'application/problem+json');
        assert.equal(refused.body.code, 'validation');
        assert.equal(refused.body.errors?.[0]?.path, 'body.url');
      }
      assert.deepEqual((await h.api<{ items: unknown[] }>('GET', '/v1/webhooks')).body.items, []);
      assert.equal((await h.api('POST', '/v1/webhooks', { url: 'https://hooks.public.test/x' })).status, 201, 'a public name is accepted');
    });
  });

  it('keeps delivering to a fast endpoint while another one hangs', async () => {
    const options: HarnessOptions = { dispatcher: { timeoutMs: 8_000, slotWaitMs: 100, perEndpointConcurrency: 2, deferMs: 60_000 } };
    await withPlane(options, (req) => (req.path === '/hang' ? 'hang' : { status: 200 }), async (h, receiver) => {
      await register(h, receiver.url('/hang'), ['stream.created']);
      await register(h, receiver.url('/fast'), ['stream.created']);
      const started = Date.now();
      for (let i = 0; i < 30; i++) await h.emit({ type: 'stream.created', streamId: newId('stream'), data: { name: `s${i}` } });
      // The claim is "before the hanging requests time out" (8 s): the bound is that timeout, not a guess of speed.
      await receiver.waitForCount('/fast', 30, 7_800);
      assert.ok(Date.now() - started < 8_000, 'the fast endpoint got everything before the hanging one timed out');
      assert.ok(receiver.at('/hang').length <= 4, `the hanging endpoint holds at most its slots (got ${receiver.at('/hang').length})`);
    });
  });

  it('disables an endpoint that keeps failing, tells subscribers with webhook.disabled, and re-enables with one call', async () => {
    const options: HarnessOptions = { dispatcher: { disableAfterMs: 300 } };
    await withPlane(options, (req) => (req.path === '/broken' ? { status: 503 } : { status: 200 }), async (h, receiver) => {
      const broken = await register(h, receiver.url('/broken'), ['stream.created']);
      const watcher = await register(h, receiver.url('/watcher'), ['webhook.disabled']);
      const event = await createStreamEvent(h);

      const [notice] = await receiver.waitForCount('/watcher', 1);
      const disabled = verified(watcher.secret, notice!);
      assert.equal(disabled.type, 'webhook.disabled');
      assert.equal(disabled.streamId, null);
      assert.equal(disabled.data.webhookId, broken.id);
      assert.equal(disabled.data.reason, 'failing');
      assert.ok(!JSON.stringify(disabled).includes(broken.secret), 'the event carries no secret');

      const view = await h.api<{ enabled: boolean; disabledReason: string }>('GET', `/v1/webhooks/${broken.id}`);
      assert.equal(view.body.enabled, false);
      assert.equal(view.body.disabledReason, 'failing');
      const deliveryId = deliveryIdFor(broken.id, event.id);
      await waitFor('the delivery to be dead-lettered', async () => {
        const d = await h.api<{ status: string }>('GET', `/v1/webhooks/${broken.id}/deliveries/${deliveryId}`);
        return d.body.status === 'dead_lettered' ? true : undefined;
      });
      const whileDisabled = await h.api<{ code: string }>('POST', `/v1/webhooks/${broken.id}/deliveries/${deliveryId}/retry`);
      assert.equal(whileDisabled.status, 409);
      assert.equal(whileDisabled.body.code, 'disabled');

      // The receiver is fixed: one call re-enables; a manual retry then delivers the parked event.
      const enabled = await h.api<{ enabled: boolean; failingSince?: string; disabledReason?: string }>('PATCH', `/v1/webhooks/${broken.id}`, {
        enabled: true,
        url: receiver.url('/fixed'),
      });
      assert.equal(enabled.status, 200);
      assert.equal(enabled.body.enabled, true);
      assert.equal(enabled.body.failingSince, undefined);
      assert.equal(enabled.body.disabledReason, undefined);
      const retry = await h.api<{ attempt: number; status: string }>('POST', `/v1/webhooks/${broken.id}/deliveries/${deliveryId}/retry`);
      assert.equal(retry.status, 202);
      assert.equal(retry.body.status, 'queued');
      const [fixed] = await receiver.waitForCount('/fixed', 1);
      assert.equal(verified(broken.secret, fixed!).id, event.id);
    });
  });

  it('signs with the new secret after a rotation, and with both during the grace period', async () => {
    await withPlane({}, () => ({ status: 200 }), async (h, receiver) => {
      const hook = await register(h, receiver.url('/rotate'), ['stream.created']);
      const rotated = await h.api<Created>('POST', `/v1/webhooks/${hook.id}/rotate-secret`, { keepPreviousSeconds: 600 });
      assert.equal(rotated.status, 200);
      assert.notEqual(rotated.body.secret, hook.secret);
      await createStreamEvent(h);
      const [request] = await receiver.waitForCount('/rotate', 1);
      verified(rotated.body.secret, request!);
      verified(hook.secret, request!);
      const listing = JSON.stringify((await h.api('GET', '/v1/webhooks')).body) + JSON.stringify((await h.api('GET', `/v1/webhooks/${hook.id}`)).body);
      assert.ok(!listing.includes(hook.secret) && !listing.includes(rotated.body.secret) && !listing.includes('whsec_'), 'listings never show a secret');
    });
  });
  it('re-queues deliveries waiting for a retry after the local plane restarts', async () => {
    let up = false;
    const options: HarnessOptions = { delayScheduler: realScheduler, dispatcher: { retryScheduleMs: [0, 60_000] } };
    await withPlane(options, () => (up ? { status: 200 } : { status: 503 }), async (h, receiver) => {
      const hook = await register(h, receiver.url('/restart'), ['stream.created']);
      const event = await createStreamEvent(h);
      const deliveryId = deliveryIdFor(hook.id, event.id);
      await waitFor('the first attempt to fail', async () => ((await h.webhookStore.getDelivery(hook.id, deliveryId))?.status === 'retrying' ? true : undefined));

      // "Restart": the in-memory queues (and the retry waiting in them) are gone; the table is not.
      await h.webhooks.close();
      up = true;
      const again = wireLocalWebhooks({ bus: new LocalEventBus(h.eventLog, silentLogger), eventLog: h.eventLog, client: h.client, tableName: TABLE, emit: h.emit, apiToken: () => 'x'.repeat(32), delayScheduler: compressedScheduler(1_000) });
      try {
        assert.equal(await again.recoverPending(), 1);
        const [request] = await receiver.waitForCount('/restart', 2);
        assert.equal(verified(hook.secret, request!).id, event.id);
        await waitFor('the delivery to succeed', async () => ((await h.webhookStore.getDelivery(hook.id, deliveryId))?.status === 'succeeded' ? true : undefined));
        assert.equal((await h.webhookStore.pendingDeliveries(10)).length, 0, 'nothing pending any more');
      } finally {
        await again.close();
      }
    });
  });
});

async function createStreamEvent(h: WebhookHarness): Promise<{ id: string }> {
  return h.emit({ type: 'stream.created', streamId: newId('stream'), data: { name: 'an event' } });
}
