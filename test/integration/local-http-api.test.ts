/**
 * The local server in front of the Lambda API handler: an oversized body is refused with 413
 * problem+json before the handler runs, and a normal request reaches it as an API Gateway v2 event.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { serveHttpApi } from '../../adapters/local-http-api';

describe('local HTTP API adapter', () => {
  let server: Server;
  let base: string;
  const seen: APIGatewayProxyEventV2[] = [];
  before(async () => {
    server = createServer((req, res) => {
      void serveHttpApi(
        async (event) => {
          seen.push(event);
          return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true }) };
        },
        req,
        res,
        new URL(req.url ?? '/', 'http://local'),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a 10 MB body with 413 problem+json without calling the handler', async () => {
    const response = await fetch(`${base}/v1/streams`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024) }) });
    assert.equal(response.status, 413);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await response.json()) as { code: string }).code, 'payload_too_large');
    assert.equal(seen.length, 0);
  });

  it('hands a normal request to the handler as an HTTP API v2 event', async () => {
    const response = await fetch(`${base}/v1/streams?limit=5`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Custom': 'a' }, body: '{"name":"ok"}' });
    assert.equal(response.status, 200);
    const event = seen.at(-1)!;
    assert.equal(event.requestContext.http.method, 'POST');
    assert.equal(event.rawPath, '/v1/streams');
    assert.deepEqual(event.queryStringParameters, { limit: '5' });
    assert.equal(event.headers['x-custom'], 'a');
    assert.equal(event.body, '{"name":"ok"}');
  });
});
