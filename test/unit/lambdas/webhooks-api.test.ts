/**
 * The webhooks API handler as API Gateway invokes it: bad, hostile and oversized input gets a
 * problem+json 4xx and stores nothing; the secret is shown on create and rotate only, never again.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { systemClock } from '../../../core/ports/clock';
import type { AttemptMessage } from '../../../core/ports/retry-scheduler';
import { CLOUD_URL_POLICY } from '../../../core/webhooks/url-policy';
import { deliveryIdFor } from '../../../core/webhooks/webhooks';
import { createWebhooksApiHandler } from '../../../lambdas/webhooks-api/handler';
import { MemoryWebhookStore } from '../../support/memory-webhook-store';

const TOKEN = 'unit-test-token-0123456789abcdef0123';
const context = { awsRequestId: 'test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown> & { code?: string; secret?: string; errors?: Array<{ path: string; message: string }> };
  raw: string;
}

describe('webhooks API', () => {
  let store: MemoryWebhookStore;
  let queued: AttemptMessage[];
  let call: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

  beforeEach(() => {
    store = new MemoryWebhookStore();
    queued = [];
    const handler = createWebhooksApiHandler({
      store,
      clock: systemClock,
      urlPolicy: CLOUD_URL_POLICY,
      // hooks.internal.test is a public-looking name that resolves inside the network.
      resolveHost: async (host) => (host === 'hooks.internal.test' ? ['192.168.10.20'] : ['93.184.216.34']),
      enqueue: async (message) => void queued.push(message),
      apiToken: () => TOKEN,
      maxEndpoints: 3,
    });
    call = async (method, path, body, headers = {}) => {
      const [rawPath, query = ''] = path.split('?') as [string, string?];
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey: '$default',
        rawPath,
        rawQueryString: query,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
        requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'r1' } as APIGatewayProxyEventV2['requestContext'],
        isBase64Encoded: false,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      };
      const result = await handler(event, context);
      const raw = result.body ?? '';
      return { status: result.statusCode ?? 0, headers: (result.headers ?? {}) as Record<string, string>, body: raw ? JSON.parse(raw) : {}, raw };
    };
  });

  const assertProblem = (reply: Reply, status: number, code: string) => {
    assert.equal(reply.status, status, reply.raw);
    assert.equal(reply.headers['content-type'], 'application/problem+json');
    assert.equal(reply.body.code, code);
  };

  it('creates an endpoint and shows its Standard Webhooks secret once', async () => {
    const created = await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/in', events: ['stream.live', 'stream.ended'], description: 'prod' });
    assert.equal(created.status, 201);
    assert.match(String(created.body.secret), /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(created.headers.location, `/v1/webhooks/${created.body.id}`);
    assert.deepEqual(created.body.events, ['stream.ended', 'stream.live']);
    assert.equal(created.body.enabled, true);
    assert.equal(created.headers['cache-control'], 'no-store');
    const id = String(created.body.id);

    const later = [
      await call('GET', '/v1/webhooks'),
      await call('GET', `/v1/webhooks/${id}`),
      await call('PATCH', `/v1/webhooks/${id}`, { description: 'renamed' }),
      await call('GET', `/v1/webhooks/${id}/deliveries`),
    ];
    for (const reply of later) {
      assert.equal(reply.status, 200, reply.raw);
      assert.ok(!reply.raw.includes('whsec_') && !reply.raw.includes('secret'), `no secret in ${reply.raw}`);
    }
    assert.equal(later[2]?.body.description, 'renamed');
    assert.equal((await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/all' })).body.events?.toString(), '*', 'no events means all');
  });

  it('refuses bad and hostile URLs with problem+json and stores nothing', async () => {
    const urls: unknown[] = [
      'ftp://hooks.example.com/x',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'https://user:password@hooks.example.com/',
      'https://hooks.example.com/#x',
      '',
      'not a url',
      123,
      null,
      'http://127.0.0.1:8080/',
      'http://2130706433/',
      'http://169.254.169.254/latest/meta-data/iam/',
      'http://[::1]/',
      'http://[::ffff:10.0.0.1]/',
      'http://10.0.0.1/',
      'http://localhost/',
      'https://hooks.internal.test/x',
      'https://hooks.example.com/' + 'a'.repeat(2100),
    ];
    for (const url of urls) {
      const reply = await call('POST', '/v1/webhooks', { url });
      assertProblem(reply, 400, 'validation');
      assert.ok(reply.body.errors?.some((e) => e.path === 'body.url'), `${String(url)}: ${reply.raw}`);
    }
    assertProblem(await call('POST', '/v1/webhooks', {}), 400, 'validation');
    assert.equal(store.endpoints.size, 0);
  });

  it('refuses unknown event types, unknown fields and hostile descriptions', async () => {
    for (const body of [
      { url: 'https://hooks.example.com/', events: ['stream.nope'] },
      { url: 'https://hooks.example.com/', events: [] },
      { url: 'https://hooks.example.com/', events: 'stream.live' },
      { url: 'https://hooks.example.com/', events: [1] },
      { url: 'https://hooks.example.com/', extra: true },
      { url: 'https://hooks.example.com/', description: 'bad\u0000name' },
      { url: 'https://hooks.example.com/', description: 'x'.repeat(300) },
      ['https://hooks.example.com/'],
    ]) {
      assertProblem(await call('POST', '/v1/webhooks', body), 400, 'validation');
    }
    assert.equal(store.endpoints.size, 0);
  });

  it('refuses oversized, non-JSON and unauthenticated requests', async () => {
    assertProblem(await call('POST', '/v1/webhooks', JSON.stringify({ url: 'https://hooks.example.com/', description: 'x'.repeat(20_000) })), 413, 'payload_too_large');
    assertProblem(await call('POST', '/v1/webhooks', '{"url": "https://hooks.example.com/"'), 400, 'validation');
    assertProblem(await call('POST', '/v1/webhooks', 'url=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    assertProblem(await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/' }, { authorization: 'Bearer nope' }), 401, 'unauthorized');
    assertProblem(await call('GET', '/v1/webhooks', undefined, { authorization: '' }), 401, 'unauthorized');
    assert.equal(store.endpoints.size, 0);
  });

  it('checks ids, routes and methods', async () => {
    assertProblem(await call('GET', '/v1/webhooks/not-an-id'), 400, 'invalid_id');
    assertProblem(await call('GET', '/v1/webhooks/wh_aaaaaaaaaaaaaaaaaaaa'), 404, 'not_found');
    assertProblem(await call('PUT', '/v1/webhooks/wh_aaaaaaaaaaaaaaaaaaaa', {}), 405, 'method_not_allowed');
    assertProblem(await call('GET', '/v1/webhooks?limit=1000'), 400, 'validation');
    const id = String((await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/' })).body.id);
    assertProblem(await call('GET', `/v1/webhooks/${id}/deliveries/dlv_bad`), 400, 'invalid_id');
    assertProblem(await call('POST', `/v1/webhooks/${id}/deliveries/${deliveryIdFor(id, 'evt_aaaaaaaaaaaaaaaaaaaa')}/retry`), 404, 'not_found');
    assertProblem(await call('PATCH', `/v1/webhooks/${id}`, {}), 400, 'validation');
    assertProblem(await call('PATCH', `/v1/webhooks/${id}`, { url: 'http://10.0.0.1/' }), 400, 'validation');
    assert.equal(store.endpoints.get(id)?.url, 'https://hooks.example.com/', 'a refused change changes nothing');
  });

  it('disables, re-enables, rotates and deletes', async () => {
    const created = await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/' });
    const id = String(created.body.id);
    const disabled = await call('PATCH', `/v1/webhooks/${id}`, { enabled: false });
    assert.equal(disabled.body.enabled, false);
    assert.equal(disabled.body.disabledReason, 'manual');
    const enabled = await call('PATCH', `/v1/webhooks/${id}`, { enabled: true });
    assert.equal(enabled.body.enabled, true);
    assert.equal(enabled.body.disabledReason, undefined);

    const rotated = await call('POST', `/v1/webhooks/${id}/rotate-secret`, { keepPreviousSeconds: 0 });
    assert.equal(rotated.status, 200);
    assert.match(String(rotated.body.secret), /^whsec_/);
    assert.notEqual(rotated.body.secret, created.body.secret);
    assert.equal(store.endpoints.get(id)?.previousSecret, undefined, 'keepPreviousSeconds 0 revokes the old secret');
    assertProblem(await call('POST', `/v1/webhooks/${id}/rotate-secret`, { keepPreviousSeconds: -1 }), 400, 'validation');

    assert.equal((await call('DELETE', `/v1/webhooks/${id}`)).status, 204);
    assertProblem(await call('GET', `/v1/webhooks/${id}`), 404, 'not_found');
    assertProblem(await call('DELETE', `/v1/webhooks/${id}`), 404, 'not_found');
  });

  it('queues a manual redelivery of a failed delivery, and refuses one of a succeeded delivery', async () => {
    const id = String((await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/' })).body.id);
    const eventId = 'evt_bbbbbbbbbbbbbbbbbbbb';
    const deliveryId = deliveryIdFor(id, eventId);
    const base = { id: deliveryId, endpointId: id, eventId, eventType: 'stream.live', streamId: null, lastAttempt: 8, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), body: '{"id":"evt_bbbbbbbbbbbbbbbbbbbb"}' };
    store.deliveries.set(deliveryId, { ...base, status: 'dead_lettered' });
    const queuedReply = await call('POST', `/v1/webhooks/${id}/deliveries/${deliveryId}/retry`);
    assert.equal(queuedReply.status, 202);
    assert.deepEqual(queuedReply.body, { deliveryId, attempt: 9, status: 'queued' });
    assert.equal(queued.length, 1);
    assert.equal(queued[0]?.trigger, 'manual');
    assert.equal(queued[0]?.body, base.body);

    store.deliveries.set(deliveryId, { ...base, status: 'succeeded' });
    assertProblem(await call('POST', `/v1/webhooks/${id}/deliveries/${deliveryId}/retry`), 409, 'conflict');
    assert.equal(queued.length, 1);
    const detail = await call('GET', `/v1/webhooks/${id}/deliveries/${deliveryId}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.body.status, 'succeeded');
    assert.deepEqual(detail.body.event, { id: eventId });
  });

  it('caps the number of endpoints', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await call('POST', '/v1/webhooks', { url: `https://hooks.example.com/${i}` })).status, 201);
    assertProblem(await call('POST', '/v1/webhooks', { url: 'https://hooks.example.com/4' }), 409, 'conflict');
    assert.equal(store.endpoints.size, 3);
  });
});
