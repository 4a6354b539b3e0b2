/**
 * The media library API handler (middleware chain, routes, core) with in-memory adapters: auth and
 * validation at the edge, create with an upload URL, paging, 404s, and DELETE refused while in use.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { createMediaApiHandler } from '../../../lambdas/media-api/handler';
import { isMediaApiPath } from '../../../lambdas/media-api/routes';
import { mediaList, mediaView, mediaWithUpload } from '../../../lambdas/media-api/schema';
import type { HttpResult } from '../../../lambdas/shared/http-types';
import { httpEvent } from '../../support/http-event';
import { MemoryMediaStore } from '../../support/memory-media-store';
import { MemoryObjectStore } from '../../support/memory-object-store';
import { MemoryStreamStore } from '../../support/memory-stream-store';
import { ManualClock } from '../../support/recorded-events';

const TOKEN = 'test-api-token-with-enough-entropy-0123456789';

describe('media API handler', () => {
  let media: MemoryMediaStore;
  let objects: MemoryObjectStore;
  let streams: MemoryStreamStore;
  let handler: ReturnType<typeof createMediaApiHandler>;

  beforeEach(() => {
    media = new MemoryMediaStore();
    objects = new MemoryObjectStore();
    streams = new MemoryStreamStore();
    handler = createMediaApiHandler({
      media,
      objectStore: objects,
      streams,
      clock: new ManualClock(),
      uploads: { issue: async (item) => ({ url: `https://bucket.example/${item.objectKey}?X-Amz-Signature=abc`, method: 'PUT' }) },
      apiToken: () => TOKEN,
    });
  });

  async function send(method: string, path: string, options: { body?: object | string; token?: string | null; query?: Record<string, string> } = {}) {
    const headers: Record<string, string> = {};
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const raw: HttpResult = await handler(httpEvent(method, path, { headers, ...(options.query ? { query: options.query } : {}), ...(body !== undefined ? { body } : {}) }), {} as Context);
    return { status: raw.statusCode ?? 200, body: raw.body ? (JSON.parse(raw.body) as Record<string, unknown>) : undefined };
  }

  it('creates an uploading item with its PUT URL, and reads it back', async () => {
    const created = await send('POST', '/v1/media', { body: { name: 'Morning loop' } });
    assert.equal(created.status, 201);
    const parsed = mediaWithUpload.parse(created.body);
    assert.equal(parsed.status, 'uploading');
    assert.match(parsed.upload.url, /^https:\/\/bucket\.example\/media\/med_[a-z2-7]{20}\/source\?/);
    assert.equal('objectKey' in (created.body ?? {}), false, 'storage keys stay inside');
    const got = await send('GET', `/v1/media/${parsed.id}`);
    assert.equal(mediaView.parse(got.body).name, 'Morning loop');
  });

  it('refuses bad input and missing auth with problems, storing nothing', async () => {
    assert.equal((await send('POST', '/v1/media', { body: { name: 'x', extra: 1 } })).body?.code, 'validation');
    assert.equal((await send('POST', '/v1/media', { body: { name: '../etc' } })).body?.code, 'validation');
    assert.equal((await send('POST', '/v1/media', { body: '{' })).status, 400);
    assert.equal((await send('POST', '/v1/media', { body: { name: 'x' }, token: null })).status, 401);
    assert.equal((await send('GET', '/v1/media/nope')).body?.code, 'invalid_id');
    assert.equal((await send('GET', '/v1/media/med_aaaaaaaaaaaaaaaaaaaa')).status, 404);
    assert.equal((await send('GET', '/v1/media', { query: { limit: '0' } })).status, 400);
    assert.equal(media.all().length, 0);
  });

  it('lists newest first, page by page', async () => {
    for (const name of ['a', 'b', 'c']) await send('POST', '/v1/media', { body: { name } });
    const first = mediaList.parse((await send('GET', '/v1/media', { query: { limit: '2' } })).body);
    const second = mediaList.parse((await send('GET', '/v1/media', { query: { limit: '2', cursor: first.next! } })).body);
    assert.equal(first.items.length + second.items.length, 3);
    assert.equal(second.next, undefined);
  });

  it('refuses to delete an item a stream uses (409 in_use), then deletes it and its file', async () => {
    const created = mediaWithUpload.parse((await send('POST', '/v1/media', { body: { name: 'loop' } })).body);
    objects.putSegment(`media/${created.id}/source`);
    await streams.create({
      id: 'st_abcdefghijklmnopqrst',
      name: 'radio',
      status: 'idle',
      keyHash: 'a'.repeat(64),
      recording: false,
      reconnectWindowSeconds: 60,
      slateMediaId: created.id,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      version: 1,
    });
    const refused = await send('DELETE', `/v1/media/${created.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body?.code, 'in_use');
    assert.ok(objects.objects.has(`media/${created.id}/source`));
    await streams.delete('st_abcdefghijklmnopqrst');
    assert.equal((await send('DELETE', `/v1/media/${created.id}`)).status, 204);
    assert.equal(objects.objects.has(`media/${created.id}/source`), false);
  });

  it('claims only the /v1/media paths', () => {
    assert.equal(isMediaApiPath('/v1/media'), true);
    assert.equal(isMediaApiPath('/v1/media/med_aaaaaaaaaaaaaaaaaaaa'), true);
    assert.equal(isMediaApiPath('/v1/mediaX'), false);
    assert.equal(isMediaApiPath('/v1/streams'), false);
  });
});
