/**
 * The recordings API handler end to end (middleware chain, routes, core) with in-memory adapters:
 * validation and auth at the edge, 404s for what does not exist, deletes that take the media with them,
 * MP4 export requests queued once.
 */
import { httpEvent } from '../../support/http-event';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Context } from 'aws-lambda';
import { finalizeRecording } from '../../../core/recordings/finalize';
import { startRecording } from '../../../core/recordings/start';
import { segmentFileName } from '../../../core/media/layout';
import { recordingIdFor } from '../../../core/recordings/recording';
import type { Stream } from '../../../core/streams/stream';
import type { HttpResult } from '../../../lambdas/shared/http-types';
import { createRecordingsApiHandler } from '../../../lambdas/recordings-api/handler';
import { isRecordingsApiPath } from '../../../lambdas/recordings-api/routes';
import { recordingList, recordingView } from '../../../lambdas/recordings-api/schema';
import { MemoryObjectStore } from '../../support/memory-object-store';
import { MemoryRecordingStore } from '../../support/memory-recording-store';
import { MemoryStreamStore } from '../../support/memory-stream-store';
import { ManualClock, recordingEmitter } from '../../support/recorded-events';

const TOKEN = 'test-api-token-with-enough-entropy-0123456789';
const STREAM = 'st_abcdefghijklmnopqrst';
const SESSION = 'ses_abcdefghijklmnopqrst';
const REC = recordingIdFor(SESSION);
const UNKNOWN_REC = 'rec_aaaaaaaaaaaaaaaaaaaa';

interface Sent {
  status: number;
  headers: Record<string, string>;
  body: any; // parsed JSON, inspected freely by the assertions below
}

describe('recordings API handler', () => {
  let recordings: MemoryRecordingStore;
  let objects: MemoryObjectStore;
  let streams: MemoryStreamStore;
  let clock: ManualClock;
  let exported: string[];
  let handler: ReturnType<typeof createRecordingsApiHandler>;
  let deps: Parameters<typeof finalizeRecording>[0];

  beforeEach(async () => {
    recordings = new MemoryRecordingStore();
    objects = new MemoryObjectStore();
    streams = new MemoryStreamStore();
    clock = new ManualClock();
    exported = [];
    const { emit } = recordingEmitter(streams, clock);
    deps = { recordings, objectStore: objects, emit, clock, playbackBase: 'https://cdn.example', streams };
    const stream: Stream = {
      id: STREAM,
      name: 'Main',
      status: 'ended',
      keyHash: 'a'.repeat(64),
      recording: true,
      reconnectWindowSeconds: 60,
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z',
      version: 1,
    };
    await streams.create(stream);
    handler = createRecordingsApiHandler({
      recordings,
      streams,
      objectStore: objects,
      clock,
      playbackBase: 'https://cdn.example',
      mp4Exports: { request: async (id) => void exported.push(id) },
      apiToken: () => TOKEN,
    });
  });

  async function send(method: string, path: string, options: { body?: string | object; token?: string | null; query?: Record<string, string> } = {}): Promise<Sent> {
    const headers: Record<string, string> = {};
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const event = httpEvent(method, path, { headers, ...(options.query ? { query: options.query } : {}), ...(body !== undefined ? { body } : {}) });
    const raw: HttpResult = await handler(event, {} as Context);
    const responseHeaders = Object.fromEntries(Object.entries(raw.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return { status: raw.statusCode ?? 200, headers: responseHeaders, body: raw.body ? JSON.parse(raw.body) : undefined };
  }

  function assertProblem(res: Sent, status: number, code: string): void {
    assert.equal(res.status, status, `status for ${code}: ${JSON.stringify(res.body)}`);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    assert.equal(res.body.code, code);
  }

  async function readyRecording(): Promise<void> {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    for (const rendition of ['720p', '360p']) {
      for (let seq = 0; seq < 3; seq++) objects.putSegment(`recordings/${REC}/${rendition}/${segmentFileName({ seq, durationMs: 2000, disc: 0 })}`);
    }
    assert.equal((await finalizeRecording(deps, { recordingId: REC, streamId: STREAM, sessionId: SESSION })).outcome, 'ready');
  }

  it('requires the bearer token on every route', async () => {
    assertProblem(await send('GET', `/v1/recordings/${REC}`, { token: null }), 401, 'unauthorized');
    assertProblem(await send('GET', `/v1/streams/${STREAM}/recordings`, { token: 'wrong-token' }), 401, 'unauthorized');
    assertProblem(await send('DELETE', `/v1/recordings/${REC}`, { token: null }), 401, 'unauthorized');
  });

  it('lists a stream’s recordings and shows one, in the documented shape', async () => {
    await readyRecording();

    const list = await send('GET', `/v1/streams/${STREAM}/recordings`);
    const one = await send('GET', `/v1/recordings/${REC}`);

    assert.equal(list.status, 200);
    recordingList.strict().parse(list.body);
    assert.deepEqual(
      list.body.items.map((r: { id: string }) => r.id),
      [REC],
    );
    assert.equal(one.status, 200);
    const view = recordingView.strict().parse(one.body);
    assert.equal(view.status, 'ready');
    assert.equal(view.durationSeconds, 6);
    assert.equal(view.playback.hls, `https://cdn.example/recordings/${REC}/master.m3u8`);
    assert.equal(view.streamId, STREAM);
    assert.equal(view.sessionId, SESSION);
    assert.equal(one.headers['cache-control'], 'no-store');
  });

  it('pages with a cursor and refuses a bad query', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    clock.advance(1000);
    await startRecording(deps, { streamId: STREAM, sessionId: 'ses_bbbbbbbbbbbbbbbbbbbb' });

    const first = await send('GET', `/v1/streams/${STREAM}/recordings`, { query: { limit: '1' } });
    const second = await send('GET', `/v1/streams/${STREAM}/recordings`, { query: { limit: '1', cursor: first.body.next } });

    assert.equal(first.body.items.length, 1);
    assert.equal(second.body.items[0].id, REC);
    assert.equal(second.body.next, undefined);
    assertProblem(await send('GET', `/v1/streams/${STREAM}/recordings`, { query: { limit: '0' } }), 400, 'validation');
    assertProblem(await send('GET', `/v1/streams/${STREAM}/recordings`, { query: { limit: '1000' } }), 400, 'validation');
    assertProblem(await send('GET', `/v1/streams/${STREAM}/recordings`, { query: { sort: 'asc' } }), 400, 'validation');
  });

  it('answers 400 for malformed ids and 404 for unknown ones', async () => {
    assertProblem(await send('GET', '/v1/recordings/not-an-id'), 400, 'invalid_id');
    assertProblem(await send('GET', '/v1/recordings/rec_..%2F..%2Fetc'), 400, 'invalid_id');
    assertProblem(await send('DELETE', `/v1/recordings/${STREAM}`), 400, 'invalid_id');
    assertProblem(await send('GET', '/v1/streams/nope/recordings'), 400, 'invalid_id');
    assertProblem(await send('GET', `/v1/recordings/${UNKNOWN_REC}`), 404, 'not_found');
    assertProblem(await send('DELETE', `/v1/recordings/${UNKNOWN_REC}`), 404, 'not_found');
    assertProblem(await send('POST', `/v1/recordings/${UNKNOWN_REC}/mp4`), 404, 'not_found');
    assertProblem(await send('GET', '/v1/streams/st_zzzzzzzzzzzzzzzzzzzz/recordings'), 404, 'not_found');
    assertProblem(await send('GET', '/v1/recordings'), 404, 'not_found');
    assertProblem(await send('PUT', `/v1/recordings/${REC}`), 405, 'method_not_allowed');
  });

  it('lists an existing stream with no recordings as empty', async () => {
    const res = await send('GET', `/v1/streams/${STREAM}/recordings`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { items: [] });
  });

  it('deletes a recording and every object under its folder', async () => {
    await readyRecording();
    objects.putSegment(`recordings/rec_zzzzzzzzzzzzzzzzzzzz/720p/0-2000-0.ts`);
    assert.ok((await objects.list(`recordings/${REC}/`)).length > 6);

    const res = await send('DELETE', `/v1/recordings/${REC}`);

    assert.equal(res.status, 204);
    assert.deepEqual(await objects.list(`recordings/${REC}/`), []);
    assert.equal((await objects.list('recordings/')).length, 1, 'another recording is untouched');
    assertProblem(await send('GET', `/v1/recordings/${REC}`), 404, 'not_found');
    assert.deepEqual((await send('GET', `/v1/streams/${STREAM}/recordings`)).body, { items: [] });
  });

  it('refuses to delete a recording still being written', async () => {
    await startRecording(deps, { streamId: STREAM, sessionId: SESSION });
    objects.putSegment(`recordings/${REC}/720p/0-2000-0.ts`);
    assertProblem(await send('DELETE', `/v1/recordings/${REC}`), 409, 'conflict');
    assert.equal((await objects.list(`recordings/${REC}/`)).length, 1);
  });

  it('accepts an MP4 export of a ready recording once, refuses one not ready', async () => {
    const other = await startRecording(deps, { streamId: STREAM, sessionId: 'ses_bbbbbbbbbbbbbbbbbbbb' });
    assertProblem(await send('POST', `/v1/recordings/${other.recording.id}/mp4`), 409, 'conflict');
    await readyRecording();

    const first = await send('POST', `/v1/recordings/${REC}/mp4`, { body: {} });
    const second = await send('POST', `/v1/recordings/${REC}/mp4`);

    assert.equal(first.status, 202);
    assert.equal(first.headers.location, `/v1/recordings/${REC}`);
    assert.deepEqual(first.body.mp4, { status: 'pending' });
    assert.equal(second.status, 202);
    assert.deepEqual(exported, [REC]);
    assertProblem(await send('POST', `/v1/recordings/${REC}/mp4`, { body: { format: 'webm' } }), 400, 'validation');
  });

  it('refuses MP4 export where it is not deployed', async () => {
    await readyRecording();
    const without = createRecordingsApiHandler({ recordings, streams, objectStore: objects, clock, playbackBase: 'https://cdn.example', apiToken: () => TOKEN });
    handler = without;
    assertProblem(await send('POST', `/v1/recordings/${REC}/mp4`), 409, 'conflict');
  });

  it('knows which paths are its own', () => {
    assert.equal(isRecordingsApiPath(`/v1/recordings/${REC}`), true);
    assert.equal(isRecordingsApiPath(`/v1/recordings/${REC}/mp4`), true);
    assert.equal(isRecordingsApiPath(`/v1/streams/${STREAM}/recordings`), true);
    assert.equal(isRecordingsApiPath(`/v1/streams/${STREAM}`), false);
    assert.equal(isRecordingsApiPath('/v1/streams'), false);
    assert.equal(isRecordingsApiPath('/v1/events'), false);
  });
});

describe('recordings OpenAPI fragment', () => {
  it('documents every route the handler serves, with the response schemas', async () => {
    const { recordingsOpenApi } = await import('../../../lambdas/recordings-api/openapi');
    const doc = recordingsOpenApi();
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/v1/recordings/{id}', '/v1/recordings/{id}/mp4', '/v1/streams/{id}/recordings']);
    assert.deepEqual(Object.keys(doc.schemas).sort(), ['Recording', 'RecordingList', 'UpdateRecordingInput']);
    assert.match(JSON.stringify(doc.schemas.Recording), /durationSeconds/);
  });
});
