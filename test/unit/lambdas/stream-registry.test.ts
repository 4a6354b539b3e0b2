/**
 * The control API handler end to end (middleware chain, routes, core) with in-memory adapters. Hostile
 * and malformed input must get a problem+json answer with the right code, and must store nothing; keys
 * appear only where they are meant to (create, reset-key) and never in listings, events or logs.
 */
import { httpEvent } from '../../support/http-event';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { EVENT_TYPES } from '../../../core/events/catalog';
import type { Logger } from '../../../core/ports/logger';
import { hashStreamKey } from '../../../core/streams/stream-key';
import type { HttpEvent, HttpResult } from '../../../lambdas/shared/http-types';
import { createStreamRegistryHandler } from '../../../lambdas/stream-registry/handler';
import { streamList, streamView, streamViewWithKey } from '../../../lambdas/stream-registry/schema';
import { MemoryStreamStore } from '../../support/memory-stream-store';
import { ManualClock, MemoryEventLog, recordingEmitter } from '../../support/recorded-events';

const TOKEN = 'test-api-token-with-enough-entropy-0123456789';
const URLS = { rtmpServer: 'rtmp://127.0.0.1:1935/live', playbackBase: 'http://127.0.0.1:8080' };
const UNKNOWN_ID = 'st_aaaaaaaaaaaaaaaaaaaa';

interface Sent {
  status: number;
  headers: Record<string, string>;
  body: any; // parsed JSON, inspected freely by the assertions below
  raw: HttpResult;
}

interface RequestOptions {
  body?: string | object;
  headers?: Record<string, string>;
  token?: string | null;
  query?: Record<string, string>;
}

describe('stream registry API handler', () => {
  let store: MemoryStreamStore;
  let eventLog: MemoryEventLog;
  let logLines: string[];
  let handler: ReturnType<typeof createStreamRegistryHandler>;

  beforeEach(() => {
    store = new MemoryStreamStore();
    eventLog = new MemoryEventLog();
    const clock = new ManualClock();
    const { emit } = recordingEmitter(store, clock, eventLog);
    logLines = [];
    const capture = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      logLines.push(JSON.stringify({ level, message, ...fields }));
    };
    const logger: Logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };
    handler = createStreamRegistryHandler({ store, eventLog, emit, clock, urls: URLS, apiToken: async () => TOKEN, logger });
  });

  async function send(method: string, path: string, options: RequestOptions = {}): Promise<Sent> {
    const headers: Record<string, string> = {};
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    Object.assign(headers, options.headers);
    const event = httpEvent(method, path, { headers, ...(options.query ? { query: options.query } : {}), ...(body !== undefined ? { body } : {}) });
    const raw = await handler(event, {} as Context);
    const responseHeaders = Object.fromEntries(Object.entries(raw.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return { status: raw.statusCode ?? 200, headers: responseHeaders, body: raw.body ? JSON.parse(raw.body) : undefined, raw };
  }

  function assertProblem(res: Sent, status: number, code: string): void {
    assert.equal(res.status, status, `status for ${code}: ${JSON.stringify(res.body)}`);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    assert.equal(res.body.code, code);
    assert.equal(res.body.status, status);
    assert.equal(typeof res.body.title, 'string');
    assert.equal(typeof res.body.detail, 'string');
    assert.equal(res.body.type, `urn:streamplane:problem:${code}`);
  }

  function assertNothingStored(): void {
    assert.equal(store.writes, 0, 'no stream was written');
    assert.equal(eventLog.events.length, 0, 'no event was emitted');
  }

  async function create(name = 'Main stage'): Promise<{ id: string; streamKey: string }> {
    const res = await send('POST', '/v1/streams', { body: { name } });
    assert.equal(res.status, 201);
    return res.body;
  }

  describe('streams', () => {
    it('creates a stream and shows its key exactly once', async () => {
      const res = await send('POST', '/v1/streams', { body: { name: 'Main stage', recording: false, reconnectWindowSeconds: 30 } });

      assert.equal(res.status, 201);
      assert.equal(res.headers.location, `/v1/streams/${res.body.id}`);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['x-request-id'], 'req-1');
      const view = streamViewWithKey.strict().parse(res.body);
      assert.equal(view.ingest.server, URLS.rtmpServer);
      assert.equal(view.ingest.url, `${URLS.rtmpServer}/${view.streamKey}`);
      assert.equal(view.playback.hls, `${URLS.playbackBase}/live/${view.id}/master.m3u8`);
      assert.equal(view.recording, false);
      assert.equal(view.reconnectWindowSeconds, 30);
      assert.equal((await store.get(view.id))?.keyHash, hashStreamKey(view.streamKey));

      const got = await send('GET', `/v1/streams/${view.id}`);
      assert.equal(got.status, 200);
      streamView.strict().parse(got.body);
      const listed = await send('GET', '/v1/streams');
      streamList.parse(listed.body);
      listed.body.items.forEach((item: unknown) => streamView.strict().parse(item));
      const events = await send('GET', '/v1/events');
      for (const text of [got.raw.body, listed.raw.body, events.raw.body, ...logLines]) {
        assert.equal(String(text).includes(view.streamKey), false, 'the key appears only in the create response');
      }
      assert.equal(logLines.some((l) => l.includes(TOKEN)), false, 'the API token is never logged');
    });

    it('updates, disables, enables, ends and deletes', async () => {
      const { id } = await create();
      const patched = await send('PATCH', `/v1/streams/${id}`, { body: { name: 'Renamed', reconnectWindowSeconds: 0 } });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.name, 'Renamed');
      assert.equal(patched.body.reconnectWindowSeconds, 0);

      assert.equal((await send('POST', `/v1/streams/${id}/disable`)).body.status, 'disabled');
      assertProblem(await send('POST', `/v1/streams/${id}/disable`), 409, 'illegal_transition');
      assert.equal((await send('POST', `/v1/streams/${id}/enable`, { body: {} })).body.status, 'idle');
      assertProblem(await send('POST', `/v1/streams/${id}/end`), 409, 'illegal_transition');

      const deleted = await send('DELETE', `/v1/streams/${id}`);
      assert.equal(deleted.status, 204);
      assert.equal(deleted.raw.body, undefined);
      assertProblem(await send('GET', `/v1/streams/${id}`), 404, 'not_found');
    });

    it('resets the key: the new one is shown, the old one no longer resolves', async () => {
      const { id, streamKey } = await create();
      const res = await send('POST', `/v1/streams/${id}/reset-key`);
      assert.equal(res.status, 200);
      const view = streamViewWithKey.strict().parse(res.body);
      assert.notEqual(view.streamKey, streamKey);
      assert.equal(view.ingest.url, `${URLS.rtmpServer}/${view.streamKey}`);
      assert.equal(await store.getByKeyHash(hashStreamKey(streamKey)), undefined);
      assert.equal((await store.getByKeyHash(hashStreamKey(view.streamKey)))?.id, id);
    });

    it('pages through the list with an opaque cursor', async () => {
      for (let i = 0; i < 3; i++) await create(`Stream ${i}`);
      const first = await send('GET', '/v1/streams', { query: { limit: '2' } });
      assert.equal(first.body.items.length, 2);
      assert.equal(typeof first.body.next, 'string');
      const second = await send('GET', '/v1/streams', { query: { limit: '2', cursor: first.body.next } });
      assert.equal(second.body.items.length, 1);
      assert.equal(second.body.next, undefined);
    });

    it('lists events, filtered by stream and type', async () => {
      const a = await create('A');
      await create('B');
      await send('POST', `/v1/streams/${a.id}/disable`);
      const all = await send('GET', '/v1/events');
      assert.deepEqual(all.body.items.map((e: { type: string }) => e.type), ['stream.created', 'stream.created', 'stream.disabled']);
      const mine = await send('GET', '/v1/events', { query: { streamId: a.id, type: 'stream.disabled,stream.enabled' } });
      assert.deepEqual(mine.body.items.map((e: { type: string }) => e.type), ['stream.disabled']);
      const after = await send('GET', '/v1/events', { query: { after: all.body.items[0].id, limit: '1' } });
      assert.deepEqual(after.body.items.map((e: { id: string }) => e.id), [all.body.items[1].id]);
    });
  });

  describe('hostile and malformed input stores nothing', () => {
    const badNames: Array<[string, unknown]> = [
      ['a path traversal', '../../etc/passwd'],
      ['a slash', 'a/b'],
      ['a NUL', 'a\u0000b'],
      ['a newline', 'line\nbreak'],
      ['an escape sequence', '\u001b[31mred'],
      ['a bidi override', 'abc\u202Egnp.exe'],
      ['markup', '<script>alert(1)</script>'],
      ['only spaces', '   '],
      ['101 characters', 'x'.repeat(101)],
      ['a flood of combining marks', `Z${'\u0301\u0336\u0353'.repeat(30)}`],
      ['five marks stacked on one letter', 'a\u0301\u0302\u0303\u0304\u0305'],
      ['a zero-width joiner between letters', 'ad\u200Dmin'],
    ];
    const goodNames: Array<[string, string]> = [
      ['emoji', 'Morning show ☀️🎙️'],
      ['a joined emoji sequence with a skin tone', 'Dev stream 👩🏽‍💻'],
      ['a flag', 'Match day 🇫🇷'],
      ['Vietnamese with stacked diacritics (decomposed)', 'Tie\u0302\u0301ng Vie\u0323\u0302t'],
      ['Devanagari', 'नमस्ते दुनिया'],
    ];
    for (const [what, name] of goodNames) {
      it(`accepts a name with ${what}, as typed`, async () => {
        const res = await send('POST', '/v1/streams', { body: { name } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal(res.body.name, name);
      });
    }

    for (const [what, name] of badNames) {
      it(`refuses a name with ${what}`, async () => {
        const res = await send('POST', '/v1/streams', { body: { name } });
        assertProblem(res, 400, 'validation');
        assert.ok(res.body.errors.some((e: { path: string }) => e.path === 'body.name'), JSON.stringify(res.body.errors));
        assertNothingStored();
      });
    }

    it('refuses a 10 MB body with 413 before parsing it', async () => {
      const res = await send('POST', '/v1/streams', { body: JSON.stringify({ name: 'x', pad: 'y'.repeat(10 * 1024 * 1024) }) });
      assertProblem(res, 413, 'payload_too_large');
      assertNothingStored();
    });

    it('refuses a body just over 64 KiB, counting bytes not characters', async () => {
      const body = JSON.stringify({ name: 'é'.repeat(33 * 1024) });
      assert.ok(body.length < 64 * 1024 && Buffer.byteLength(body) > 64 * 1024);
      assertProblem(await send('POST', '/v1/streams', { body }), 413, 'payload_too_large');
      assertNothingStored();
    });

    const wrongTypes: Array<[string, unknown, string]> = [
      ['a numeric name', { name: 5 }, 'body.name'],
      ['a string for recording', { name: 'x', recording: 'yes' }, 'body.recording'],
      ['a fractional window', { name: 'x', reconnectWindowSeconds: 1.5 }, 'body.reconnectWindowSeconds'],
      ['a negative window', { name: 'x', reconnectWindowSeconds: -1 }, 'body.reconnectWindowSeconds'],
      ['a window over the maximum', { name: 'x', reconnectWindowSeconds: 99999 }, 'body.reconnectWindowSeconds'],
      ['an unknown field', { name: 'x', streamKey: 'sk_mine' }, 'body'],
      ['a missing name', {}, 'body.name'],
      ['an array', [{ name: 'x' }], 'body'],
      ['null', null, 'body'],
    ];
    for (const [what, body, path] of wrongTypes) {
      it(`refuses ${what} with field details`, async () => {
        const res = await send('POST', '/v1/streams', { body: JSON.stringify(body) });
        assertProblem(res, 400, 'validation');
        assert.ok(res.body.errors.some((e: { path: string }) => e.path === path), JSON.stringify(res.body.errors));
        assertNothingStored();
      });
    }

    it('refuses a create without a body', async () => {
      assertProblem(await send('POST', '/v1/streams'), 400, 'validation');
      assertNothingStored();
    });

    it('refuses invalid JSON without echoing it', async () => {
      const res = await send('POST', '/v1/streams', { body: '{"name": "sk_secretsecretsecret' });
      assertProblem(res, 400, 'validation');
      assert.equal(res.raw.body?.includes('secret'), false);
      assertNothingStored();
    });

    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonx']) {
      it(`refuses content-type ${contentType} with 415`, async () => {
        const res = await send('POST', '/v1/streams', { body: { name: 'x' }, headers: { 'content-type': contentType } });
        assertProblem(res, 415, 'unsupported_media_type');
        assertNothingStored();
      });
    }

    it('refuses a body without a content-type', async () => {
      const res = await send('POST', '/v1/streams', { body: '{"name":"x"}', headers: { 'content-type': '' } });
      assertProblem(res, 415, 'unsupported_media_type');
      assertNothingStored();
    });

    it('accepts application/json with charset utf-8', async () => {
      const res = await send('POST', '/v1/streams', { body: { name: 'x' }, headers: { 'content-type': 'Application/JSON; charset="UTF-8"' } });
      assert.equal(res.status, 201);
    });

    it('refuses an empty or unknown patch', async () => {
      const { id } = await create();
      const writes = store.writes;
      assertProblem(await send('PATCH', `/v1/streams/${id}`, { body: {} }), 400, 'validation');
      assertProblem(await send('PATCH', `/v1/streams/${id}`, { body: { status: 'live' } }), 400, 'validation');
      assertProblem(await send('PATCH', `/v1/streams/${id}`, { body: { name: '..' } }), 400, 'validation');
      assert.equal(store.writes, writes);
    });

    it('refuses a body on an action', async () => {
      const { id } = await create();
      assertProblem(await send('POST', `/v1/streams/${id}/disable`, { body: { force: true } }), 400, 'validation');
      assert.equal((await store.get(id))?.status, 'idle');
    });

    const badQueries: Array<[string, string, Record<string, string>]> = [
      ['limit 0', '/v1/streams', { limit: '0' }],
      ['limit 101', '/v1/streams', { limit: '101' }],
      ['a non-numeric limit', '/v1/streams', { limit: 'ten' }],
      ['a garbage cursor', '/v1/streams', { cursor: 'not-a-cursor!' }],
      ['an unknown parameter', '/v1/streams', { sort: 'name' }],
      ['an unknown event type', '/v1/events', { type: 'stream.exploded' }],
      ['a malformed stream id', '/v1/events', { streamId: '../x' }],
      ['a malformed after id', '/v1/events', { after: 'evt_!!' }],
    ];
    for (const [what, path, query] of badQueries) {
      it(`refuses ${what} with 400`, async () => {
        assertProblem(await send('GET', path, { query }), 400, 'validation');
      });
    }
  });

  describe('authentication', () => {
    const cases: Array<[string, Record<string, string> | undefined, string | null]> = [
      ['no authorization header', undefined, null],
      ['a wrong token', undefined, 'wrong-token'],
      ['a token that is a prefix of the right one', undefined, TOKEN.slice(0, -1)],
      ['an empty bearer', { authorization: 'Bearer ' }, null],
      ['basic auth', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, null],
    ];
    for (const [what, headers, token] of cases) {
      it(`refuses ${what} with 401 and stores nothing`, async () => {
        const res = await send('POST', '/v1/streams', { body: { name: 'x' }, token, ...(headers ? { headers } : {}) });
        assertProblem(res, 401, 'unauthorized');
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="streamplane"');
        assertNothingStored();
      });
    }

    it('checks the token before revealing whether a route exists', async () => {
      assertProblem(await send('GET', '/v1/nothing-here', { token: null }), 401, 'unauthorized');
    });

    it('accepts the bearer scheme case-insensitively', async () => {
      const res = await send('GET', '/v1/streams', { token: null, headers: { Authorization: `bearer ${TOKEN}` } });
      assert.equal(res.status, 200);
    });
  });

  describe('ids and routes', () => {
    for (const [method, suffix] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/reset-key'], ['POST', '/disable'], ['POST', '/enable'], ['POST', '/end']] as const) {
      it(`${method} /v1/streams/{id}${suffix}: unknown id → 404, malformed id → 400 before the store`, async () => {
        const body = method === 'PATCH' ? { name: 'x' } : undefined;
        assertProblem(await send(method, `/v1/streams/${UNKNOWN_ID}${suffix}`, body ? { body } : {}), 404, 'not_found');
        let reads = 0;
        const get = store.get.bind(store);
        store.get = async (id) => {
          reads++;
          return get(id);
        };
        for (const bad of ['st_short', 'ST_AAAAAAAAAAAAAAAAAAAA', '..', '%2e%2e', 'st_aaaaaaaaaaaaaaaaaaaa%00', 'ses_aaaaaaaaaaaaaaaaaaaa']) {
          assertProblem(await send(method, `/v1/streams/${bad}${suffix}`, body ? { body } : {}), 400, 'invalid_id');
        }
        assert.equal(reads, 0, 'no store call for a malformed id');
        assertNothingStored();
      });
    }

    it('answers an unknown route with 404', async () => {
      assertProblem(await send('GET', '/v1/streams/st_aaaaaaaaaaaaaaaaaaaa/nope'), 404, 'not_found');
      assertProblem(await send('GET', '/v2/streams'), 404, 'not_found');
      assertProblem(await send('GET', '/v1/streams/'), 404, 'not_found');
    });

    it('answers a wrong method with 405 and Allow', async () => {
      const res = await send('PUT', '/v1/streams');
      assertProblem(res, 405, 'method_not_allowed');
      assert.equal(res.headers.allow, 'GET, POST');
      const one = await send('POST', `/v1/streams/${UNKNOWN_ID}`);
      assert.equal(one.headers.allow, 'DELETE, GET, PATCH');
    });
  });

  describe('unexpected failures', () => {
    it('become a 500 that leaks nothing, logged with the request id', async () => {
      store.get = async () => {
        throw new Error('AccessDenied on arn:aws:dynamodb:eu-west-1:123456789012:table/streamplane');
      };
      const res = await send('GET', `/v1/streams/${UNKNOWN_ID}`);
      assertProblem(res, 500, 'internal');
      assert.equal(res.raw.body?.includes('arn:aws'), false);
      assert.equal(res.raw.body?.includes('AccessDenied'), false);
      assert.equal(res.headers['x-request-id'], 'req-1');
      const logged = logLines.find((l) => l.includes('"level":"error"'));
      assert.ok(logged?.includes('req-1') && logged.includes('AccessDenied'), 'the cause is in the log, not the response');
    });

    it('become a 500 when the token cannot be loaded', async () => {
      const failing = createStreamRegistryHandler({
        store,
        eventLog,
        emit: recordingEmitter(store, new ManualClock()).emit,
        clock: new ManualClock(),
        urls: URLS,
        apiToken: async () => {
          throw new Error('secrets unreachable');
        },
      });
      const event = { rawPath: '/v1/streams', headers: { authorization: `Bearer ${TOKEN}` }, requestContext: { http: { method: 'GET' } } } as unknown as HttpEvent;
      const res = await failing(event, {} as Context);
      assert.equal(res.statusCode, 500);
    });
  });

  describe('OpenAPI document', () => {
    it('is served without a token and describes the API', async () => {
      const res = await send('GET', '/v1/openapi.json', { token: null });
      assert.equal(res.status, 200);
      const doc = res.body;
      assert.equal(doc.openapi, '3.1.0');
      for (const path of ['/v1/streams', '/v1/streams/{id}', '/v1/streams/{id}/reset-key', '/v1/streams/{id}/disable', '/v1/streams/{id}/enable', '/v1/streams/{id}/end', '/v1/events']) {
        assert.ok(doc.paths[path], path);
      }
      assert.deepEqual(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'The API token of the plane.' });
      assert.deepEqual(doc.paths['/v1/openapi.json'].get.security, []);
      assert.equal(doc.components.schemas.CreateStreamInput.properties.name.maxLength, 100);
      assert.ok(doc.components.schemas.Problem.properties.code.enum.includes('payload_too_large'));
      assert.deepEqual(Object.keys(doc.webhooks).sort(), [...EVENT_TYPES].sort());
      assert.equal(doc.components.schemas.Event.oneOf.length, EVENT_TYPES.length);
      assert.deepEqual(doc.paths['/v1/streams'].get.parameters.map((p: { name: string }) => p.name), ['limit', 'cursor']);
      // every $ref resolves
      const text = JSON.stringify(doc);
      for (const [, section, name] of text.matchAll(/"#\/components\/(schemas|responses)\/([^"]+)"/g)) {
        assert.ok(doc.components[section as string][name as string], `${section}/${name}`);
      }
    });

    it('still requires a token for other methods on its path', async () => {
      assertProblem(await send('POST', '/v1/openapi.json', { token: null }), 401, 'unauthorized');
    });
  });
});
