/**
 * The shared HTTP edge: route tables (api-route.ts) served by @middy/http-router through the shared
 * chain, and documented by the shared OpenAPI generator. What a route's zod schema accepts is what the
 * document says, for a made-up table and for every route the three APIs serve.
 */
import { httpEvent } from '../../support/http-event';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ID_PREFIXES, isId, newId, type IdKind } from '../../../core/ids';
import { recordingsRoutes } from '../../../lambdas/recordings-api/routes';
import { defineRoute, type ApiRoute } from '../../../lambdas/shared/api-route';
import { createHttpApiHandler } from '../../../lambdas/shared/http-api';
import type { HttpEvent } from '../../../lambdas/shared/http-types';
import { idSchema } from '../../../lambdas/shared/id-schema';
import { jsonResponse } from '../../../lambdas/shared/json-response';
import { jsonSchema, openApiFragment, queryParameters } from '../../../lambdas/shared/openapi';
import { streamRegistryOpenApi } from '../../../lambdas/stream-registry/openapi';
import { streamRegistryRoutes } from '../../../lambdas/stream-registry/routes';
import { recordingsOpenApi } from '../../../lambdas/recordings-api/openapi';
import { webhooksOpenApi } from '../../../lambdas/webhooks-api/openapi';
import { webhooksRoutes } from '../../../lambdas/webhooks-api/routes';

type Json = Record<string, any>; // documents are inspected freely below

const TOKEN = 'a-long-enough-api-token-0123456789abcdef';
const WIDGET = 'st_aaaaaaaaaaaaaaaaaaaa';

function widgetRoutes(nameSchema: z.ZodString): ReadonlyArray<ApiRoute<{ served: string[] }>> {
  return [
    defineRoute({
      method: 'PUT',
      path: '/v1/widgets/{id}',
      operationId: 'putWidget',
      summary: 'Put a widget',
      tags: ['widgets'],
      params: { id: 'stream' },
      query: z.object({ dryRun: z.enum(['true', 'false']).optional() }).strict(),
      body: z.object({ name: nameSchema }).strict(),
      bodyComponent: 'WidgetInput',
      responses: { '200': { description: 'Done.' }, '400': 'BadRequest' },
      handle: async ({ params, body }, deps: { served: string[] }) => {
        deps.served.push(`${params.id}:${body.name}`);
        return jsonResponse(200, { ok: true });
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/v1/widgets/{id}',
      operationId: 'getWidget',
      summary: 'Get a widget',
      tags: ['widgets'],
      params: { id: 'stream' },
      responses: { '200': { description: 'The widget.' } },
      handle: async ({ params }) => jsonResponse(200, { id: params.id }),
    }),
  ];
}

function event(method: string, path: string, body?: unknown, extra: Partial<HttpEvent> = {}): HttpEvent {
  return {
    ...httpEvent(method, path, { headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    ...extra,
  };
}

describe('route tables and the OpenAPI generator', () => {
  it('a request schema change shows in the document and in what is accepted', async () => {
    for (const max of [5, 8]) {
      const routes = widgetRoutes(z.string().max(max));
      const doc = openApiFragment({ name: 'widgets' }, routes) as Json;
      assert.equal(doc.schemas.WidgetInput.properties.name.maxLength, max);
      assert.deepEqual(doc.paths['/v1/widgets/{id}'].put.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/WidgetInput' });
      assert.equal(doc.paths['/v1/widgets/{id}'].put.requestBody.required, true);
      assert.deepEqual(doc.paths['/v1/widgets/{id}'].put.parameters.map((p: Json) => `${p.in}:${p.name}`), ['path:id', 'query:dryRun']);

      const served: string[] = [];
      const handler = createHttpApiHandler(routes, { served }, { apiToken: () => TOKEN });
      const fits = await handler(event('PUT', `/v1/widgets/${WIDGET}`, { name: 'x'.repeat(max) }), {} as Context);
      const tooLong = await handler(event('PUT', `/v1/widgets/${WIDGET}`, { name: 'x'.repeat(max + 1) }), {} as Context);
      assert.equal(fits.statusCode, 200);
      assert.equal(tooLong.statusCode, 400);
      assert.equal(JSON.parse(String(tooLong.body)).errors[0].path, 'body.name');
      assert.deepEqual(served, [`${WIDGET}:${'x'.repeat(max)}`]);
    }
  });

  it('documents every served route with the very schemas it parses', () => {
    const fragments: Array<[ReadonlyArray<ApiRoute<never>>, Json]> = [
      [streamRegistryRoutes, streamRegistryOpenApi()],
      [webhooksRoutes, webhooksOpenApi()],
      [recordingsRoutes, recordingsOpenApi()],
    ];
    for (const [routes, fragment] of fragments) {
      for (const route of routes) {
        const op = fragment.paths[route.path][route.method.toLowerCase()];
        const at = `${route.method} ${route.path}`;
        assert.equal(op.security.length, route.public ? 0 : 1, at);
        const query = (op.parameters ?? []).filter((p: Json) => p.in === 'query');
        assert.deepEqual(query, route.query ? queryParameters(route.query) : [], `${at} query`);
        if (!route.body) {
          assert.equal(op.requestBody, undefined, `${at} has no body`);
          continue;
        }
        const documented = op.requestBody.content['application/json'].schema;
        const schema = route.bodyComponent ? fragment.schemas[route.bodyComponent] : documented;
        assert.deepEqual(schema, jsonSchema(route.body, 'input'), `${at} body`);
        assert.equal(op.requestBody.required, !route.body.safeParse(undefined).success, `${at} body required`);
      }
    }
  });

  it('refuses a table whose params do not name the path parameters, or a public dynamic path', () => {
    const base = { method: 'GET', operationId: 'x', summary: 'x', tags: [], responses: {}, handle: async () => jsonResponse(200, {}) } as const;
    assert.throws(() => defineRoute({ ...base, path: '/v1/things/{id}' }), /params must name exactly/);
    assert.throws(() => defineRoute({ ...base, path: '/v1/things', params: { id: 'stream' } }), /params must name exactly/);
    assert.throws(() => defineRoute({ ...base, path: '/v1/things/{id}', params: { id: 'stream' }, public: true }), /only static paths/);
  });
});

describe('the shared router', () => {
  const handler = createHttpApiHandler(widgetRoutes(z.string().max(5)), { served: [] }, { apiToken: () => TOKEN });
  const problem = async (e: HttpEvent) => {
    const res = await handler(e, {} as Context);
    return { status: res.statusCode, headers: res.headers ?? {}, body: JSON.parse(String(res.body)) as Json };
  };

  it('answers a wrong method with 405 and Allow, an unknown path with 404', async () => {
    const wrong = await problem(event('DELETE', `/v1/widgets/${WIDGET}`));
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'GET, PUT');
    assert.equal((await problem(event('GET', '/v1/gadgets'))).body.code, 'not_found');
  });

  it('does not treat a trailing slash as the same path', async () => {
    const res = await problem(event('GET', `/v1/widgets/${WIDGET}/`));
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'not_found');
  });

  it("takes path parameters from its own match, not from API Gateway's", async () => {
    const res = await handler(event('GET', `/v1/widgets/${WIDGET}`, undefined, { pathParameters: { id: 'st_bbbbbbbbbbbbbbbbbbbb', proxy: 'x' } }), {} as Context);
    assert.deepEqual(JSON.parse(String(res.body)), { id: WIDGET });
  });
});

describe('documented id patterns', () => {
  it('agree with core isId', () => {
    for (const kind of Object.keys(ID_PREFIXES) as IdKind[]) {
      const schema = idSchema(kind);
      const samples = [newId(kind), `${ID_PREFIXES[kind]}_short`, newId(kind).toUpperCase(), `${newId(kind)}x`, `x${newId(kind)}`, '..', ''];
      for (const sample of samples) assert.equal(schema.safeParse(sample).success, isId(kind, sample), `${kind}: ${sample}`);
    }
  });
});
