/**
 * The control API's OpenAPI document against the code that serves the API: every route in the route
 * tables of the stream registry, webhooks and recordings APIs (plus the local plane's SSE route) is
 * documented and nothing else is, every operation but the public ones needs the bearer token, and every
 * `$ref` resolves inside the document. A route added without docs fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { EVENT_STREAM_PATH } from '../../../local/http/event-stream-route';
import { recordingsOpenApi } from '../../../lambdas/recordings-api/openapi';
import { recordingsRoutes } from '../../../lambdas/recordings-api/routes';
import { playbackRoutes } from '../../../lambdas/playback-api/routes';
import { simulcastRoutes } from '../../../lambdas/simulcast-api/routes';
import { mediaRoutes } from '../../../lambdas/media-api/routes';
import type { ApiRoute } from '../../../lambdas/shared/api-route';
import { buildOpenApiDocument } from '../../../lambdas/stream-registry/openapi';
import { streamRegistryRoutes } from '../../../lambdas/stream-registry/routes';
import { webhooksOpenApi } from '../../../lambdas/webhooks-api/openapi';
import { webhooksRoutes } from '../../../lambdas/webhooks-api/routes';
import { createWebhookBody, rotateSecretBody, updateWebhookBody } from '../../../lambdas/webhooks-api/schema';

type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: Json }> };
  responses: Record<string, Json>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

// The route tables the routers serve (each handler gets its dependencies only when it is served).
const servedRoutes: ReadonlyArray<ApiRoute<never>> = [...streamRegistryRoutes, ...webhooksRoutes, ...recordingsRoutes, ...playbackRoutes, ...simulcastRoutes, ...mediaRoutes];
/** Served by the local plane's HTTP server, not by a Lambda router. */
const planeOnlyOperations = [`GET ${EVENT_STREAM_PATH}`];

const doc = buildOpenApiDocument() as Json & {
  openapi: string;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json>; securitySchemes: Record<string, Json> };
  tags: Array<{ name: string }>;
};

function operations(): Array<{ key: string; path: string; method: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m] !== undefined).map((method) => ({ key: `${method.toUpperCase()} ${path}`, path, method, op: item[method] as Operation })),
  );
}

const operation = (method: string, path: string): Operation => {
  const op = doc.paths[path]?.[method];
  assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
  return op;
};

function resolvePointer(pointer: string): unknown {
  assert.ok(pointer.startsWith('#/'), `${pointer} points inside the document`);
  let node: unknown = doc;
  for (const raw of pointer.slice(2).split('/')) {
    const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, token)) return undefined;
    node = (node as Json)[token];
  }
  return node;
}

function collectRefs(node: unknown, at: string, out: Array<{ ref: string; at: string }>): void {
  if (Array.isArray(node)) node.forEach((item, i) => collectRefs(item, `${at}/${i}`, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push({ ref: value, at });
      else collectRefs(value, `${at}/${key}`, out);
    }
  }
}

const bodySchema = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
};

describe('control API OpenAPI document', () => {
  it('is OpenAPI 3.1', () => {
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(doc.jsonSchemaDialect, 'https://json-schema.org/draft/2020-12/schema');
  });

  it('documents exactly the routes the routers serve', () => {
    const served = [...servedRoutes.map((r) => `${r.method} ${r.path}`), ...planeOnlyOperations];
    assert.equal(new Set(served).size, served.length, 'no route is served twice');
    const documented = operations().map((o) => o.key);
    const missing = served.filter((key) => !documented.includes(key));
    const extra = documented.filter((key) => !served.includes(key));
    assert.deepEqual(missing, [], 'served but not documented');
    assert.deepEqual(extra, [], 'documented but not served');
    assert.ok(served.length >= 25, `the route tables were read (${served.length})`);
  });

  it('declares every path parameter, and only those', () => {
    for (const { key, path, op } of operations()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      assert.deepEqual(declared.map((p) => p.name).sort(), inPath, key);
      for (const p of declared) assert.equal(p.required, true, `${key}: ${p.name} is required`);
    }
  });

  it('has unique operation ids and at least one response per operation', () => {
    const ids = operations().map((o) => o.op.operationId);
    for (const [i, id] of ids.entries()) assert.ok(id, `operation ${i} has an id`);
    assert.equal(new Set(ids).size, ids.length);
    for (const { key, op } of operations()) assert.ok(Object.keys(op.responses).length > 0, key);
  });

  it('requires the bearer token on every operation except the public ones', () => {
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'The API token of the plane.' });
    const publicKeys = new Set(servedRoutes.filter((r) => r.public === true).map((r) => `${r.method} ${r.path}`));
    assert.deepEqual([...publicKeys], ['GET /v1/openapi.json']);
    for (const { key, op } of operations()) {
      if (publicKeys.has(key)) {
        assert.deepEqual(op.security, [], `${key} is documented as public`);
        continue;
      }
      // An operation's own `security` replaces the document's; without one, the document's applies.
      const effective = op.security ?? doc.security;
      assert.ok(effective.length > 0, `${key} is not public`);
      for (const requirement of effective) assert.deepEqual(requirement, { bearerAuth: [] }, `${key} requires the bearer token`);
    }
    // Every route the webhooks API serves says so itself, not only through the document's default.
    for (const route of webhooksRoutes) {
      assert.deepEqual(operation(route.method.toLowerCase(), route.path).security, [{ bearerAuth: [] }], `${route.method} ${route.path}`);
    }
  });

  it('resolves every $ref inside the document', () => {
    const refs: Array<{ ref: string; at: string }> = [];
    collectRefs(doc, '#', refs);
    assert.ok(refs.length > 50, `refs were found (${refs.length})`);
    for (const { ref, at } of refs) assert.ok(resolvePointer(ref) !== undefined, `${ref} (at ${at}) resolves`);
  });

  it('merges the recordings and webhooks fragments without losing or overwriting anything', () => {
    for (const fragment of [recordingsOpenApi(), webhooksOpenApi()]) {
      assert.ok(doc.tags.some((t) => t.name === fragment.tag.name), `tag ${String(fragment.tag.name)}`);
      for (const [path, item] of Object.entries(fragment.paths)) assert.deepEqual(doc.paths[path], item, path);
      for (const [name, schema] of Object.entries(fragment.schemas)) assert.deepEqual(doc.components.schemas[name], schema, name);
    }
  });

  describe('webhooks', () => {
    it('documents the status codes the routes answer with', () => {
      const success = (method: string, path: string) => Object.keys(operation(method, path).responses).filter((s) => s.startsWith('2'));
      assert.deepEqual(success('post', '/v1/webhooks'), ['201']);
      assert.deepEqual(success('get', '/v1/webhooks'), ['200']);
      assert.deepEqual(success('get', '/v1/webhooks/{id}'), ['200']);
      assert.deepEqual(success('patch', '/v1/webhooks/{id}'), ['200']);
      assert.deepEqual(success('delete', '/v1/webhooks/{id}'), ['204']);
      assert.deepEqual(success('post', '/v1/webhooks/{id}/rotate-secret'), ['200']);
      assert.deepEqual(success('get', '/v1/webhooks/{id}/deliveries'), ['200']);
      assert.deepEqual(success('get', '/v1/webhooks/{id}/deliveries/{deliveryId}'), ['200']);
      assert.deepEqual(success('post', '/v1/webhooks/{id}/deliveries/{deliveryId}/retry'), ['202']);
      assert.ok(operation('post', '/v1/webhooks').responses['201']?.headers, 'create sends Location');
      assert.ok(operation('post', '/v1/webhooks/{id}/deliveries/{deliveryId}/retry').responses['202']?.headers, 'retry sends Location');
      assert.equal(operation('delete', '/v1/webhooks/{id}').responses['204']?.content, undefined, '204 has no body');
    });

    it('answers errors as problem+json', () => {
      for (const { key, op } of operations().filter((o) => o.path.startsWith('/v1/webhooks'))) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (!/^[45]/.test(status)) continue;
          const resolved = (typeof response.$ref === 'string' ? resolvePointer(response.$ref) : response) as { content?: Record<string, { schema: Json }> };
          assert.deepEqual(resolved.content?.['application/problem+json']?.schema, { $ref: '#/components/schemas/Problem' }, `${key} ${status}`);
        }
      }
    });

    it('documents the request bodies from the zod schemas the routes parse', () => {
      const { schemas } = doc.components;
      const create = schemas.CreateWebhookInput as { properties: Record<string, Json>; required: string[] };
      assert.deepEqual(create.required, ['url']);
      assert.deepEqual({ ...create.properties, events: undefined }, { ...(bodySchema(createWebhookBody).properties as Json), events: undefined });
      assert.ok(((create.properties.events?.items as { enum: string[] }).enum).includes('stream.live'), 'events lists the event types');
      assert.equal((schemas.UpdateWebhookInput as { minProperties: number }).minProperties, 1);
      assert.deepEqual(Object.keys((schemas.UpdateWebhookInput as { properties: Json }).properties), Object.keys(bodySchema(updateWebhookBody).properties as Json));
      assert.deepEqual(schemas.RotateWebhookSecretInput, bodySchema(rotateSecretBody));
      assert.equal(operation('post', '/v1/webhooks').requestBody?.required, true);
      assert.equal(operation('patch', '/v1/webhooks/{id}').requestBody?.required, true);
      assert.equal(operation('post', '/v1/webhooks/{id}/rotate-secret').requestBody?.required, false);
    });

    it('shows the secret only in the create and rotate-secret responses, and says so', () => {
      const { schemas } = doc.components;
      assert.ok((schemas.WebhookWithSecret as { required: string[] }).required.includes('secret'));
      for (const [name, schema] of Object.entries(schemas)) {
        if (name !== 'WebhookWithSecret') assert.doesNotMatch(JSON.stringify(schema), /"secret"/, `${name} has no secret`);
      }
      const withSecret = operations().flatMap(({ key, op }) =>
        Object.entries(op.responses)
          .filter(([, response]) => JSON.stringify(response).includes('#/components/schemas/WebhookWithSecret'))
          .map(([status, response]) => ({ at: `${key} ${status}`, description: String(response.description) })),
      );
      assert.deepEqual(withSecret.map((r) => r.at).sort(), ['POST /v1/webhooks 201', 'POST /v1/webhooks/{id}/rotate-secret 200']);
      for (const r of withSecret) assert.match(r.description, /shown only in this response/, r.at);
    });
  });

  describe('event stream', () => {
    it('is documented as local plane only, with its filters, resume header and media type', () => {
      const op = operation('get', EVENT_STREAM_PATH);
      assert.match(String(op.description), /local plane only/);
      assert.match(String(op.description), /GET \/v1\/events\?after=/);
      assert.deepEqual(
        (op.parameters ?? []).map((p) => `${p.in}:${p.name}`),
        ['query:streamId', 'query:types', 'query:after', 'header:Last-Event-ID'],
      );
      assert.ok(op.responses['200']?.content && 'text/event-stream' in (op.responses['200'].content as Json));
      assert.deepEqual(op.security, [{ bearerAuth: [] }]);
      assert.ok(op.responses['401'] && op.responses['503']);
    });
  });
});
