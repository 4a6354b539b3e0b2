/**
 * The local plane's recordings wiring over real HTTP: a recorded session's segments (real ffmpeg output)
 * become a ready recording through the in-process queue and the finalizer handler, the API shows it,
 * exports its MP4 and deletes it; a plane restart finds recordings it left unfinished and completes them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DynamoDbStreamStore } from '../../adapters/dynamodb-stream-store';
import { FsObjectStore } from '../../adapters/fs-object-store';
import type { StreamplaneEvent } from '../../core/events/catalog';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import { recordingIdFor } from '../../core/recordings/recording';
import type { Stream } from '../../core/streams/stream';
import { wireLocalRecordings, type LocalRecordings } from '../../local/recordings-wiring';
import { startTestDynamo, TEST_TABLE, type TestDynamo } from '../support/local-dynamo';
import { recordingEmitter } from '../support/recorded-events';
import { encodeRun, placeRun, probeDuration, type RunSegment } from '../support/recording-media';

const TOKEN = 'local-test-token-0123456789abcdef0123456789';

describe('local recordings wiring', () => {
  let dynamo: TestDynamo;
  let dir: string;
  let run: RunSegment[];
  let store: FsObjectStore;
  let streams: DynamoDbStreamStore;
  let events: StreamplaneEvent[];
  let recordings: LocalRecordings | undefined;
  let server: Server;
  let base: string;

  function wire(): LocalRecordings {
    const emitter = recordingEmitter(streams, systemClock);
    return wireLocalRecordings({
      client: dynamo.client,
      tableName: TEST_TABLE,
      objectStore: store,
      streams,
      emit: async (input) => {
        const event = await emitter.emit(input);
        events.push(event);
        return event;
      },
      clock: systemClock,
      logger: silentLogger,
      playbackBase: 'http://127.0.0.1:1',
      apiToken: () => TOKEN,
      scratchDir: join(dir, 'scratch'),
    });
  }

  before(async () => {
    dynamo = await startTestDynamo();
    dir = await mkdtemp(join(tmpdir(), 'sp-recwiring-'));
    run = await encodeRun(join(dir, 'media'), 6);
    store = new FsObjectStore(join(dir, 'store'));
    streams = new DynamoDbStreamStore({ tableName: TEST_TABLE, client: dynamo.client });
    events = [];
    recordings = wire();
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      void (recordings as LocalRecordings).apiRoute(req, res, url).then((served) => {
        if (!served) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await recordings?.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function endedSession(): Promise<{ streamId: string; sessionId: string; recordingId: string }> {
    const streamId = newId('stream');
    const sessionId = newId('session');
    const now = new Date().toISOString();
    const stream: Stream = { id: streamId, name: 'wired', status: 'ended', keyHash: newId('event').padEnd(64, '0'), recording: true, reconnectWindowSeconds: 0, lastSessionId: sessionId, createdAt: now, updatedAt: now, version: 1 };
    await streams.create(stream);
    return { streamId, sessionId, recordingId: recordingIdFor(sessionId) };
  }

  const api = async (method: string, path: string) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };

  it('finalizes a recorded session once, shows it, exports its MP4 and deletes it', async () => {
    const ids = await endedSession();
    const wired = recordings as LocalRecordings;
    await wired.startRecording(ids);
    await placeRun(store, ids.recordingId, run, { firstSequence: 0, disc: 0 });

    await wired.enqueueFinalization(ids);
    await wired.enqueueFinalization(ids);
    await wired.whenIdle();

    const shown = await api('GET', `/v1/recordings/${ids.recordingId}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body?.status, 'ready');
    assert.ok(Math.abs((shown.body?.durationSeconds as number) - 6) < 0.1);
    assert.deepEqual(
      events.filter((e) => e.streamId === ids.streamId).map((e) => e.type),
      ['recording.started', 'recording.ready'],
    );
    const listed = await api('GET', `/v1/streams/${ids.streamId}/recordings`);
    assert.deepEqual(listed.body?.items.map((r: { id: string }) => r.id), [ids.recordingId]);
    assert.equal((await fetch(`${base}/v1/streams/${ids.streamId}`)).status, 404, 'other paths are not this route’s');

    const requested = await api('POST', `/v1/recordings/${ids.recordingId}/mp4`);
    assert.equal(requested.status, 202);
    await wired.whenIdle();
    const exported = await api('GET', `/v1/recordings/${ids.recordingId}`);
    assert.equal(exported.body?.mp4?.status, 'ready');
    assert.equal(exported.body?.mp4?.url, `http://127.0.0.1:1/recordings/${ids.recordingId}/recording.mp4`);
    const mp4 = await probeDuration(store.pathFor(`recordings/${ids.recordingId}/recording.mp4`));
    assert.ok(Math.abs(mp4.duration - 6) < 0.5);

    assert.equal((await api('DELETE', `/v1/recordings/${ids.recordingId}`)).status, 204);
    assert.deepEqual(await store.list(`recordings/${ids.recordingId}/`), []);
    assert.equal((await api('GET', `/v1/recordings/${ids.recordingId}`)).status, 404);
  });

  it('completes, after a restart, a recording whose session ended while the plane was down', async () => {
    const ids = await endedSession();
    await (recordings as LocalRecordings).startRecording(ids);
    await placeRun(store, ids.recordingId, run, { firstSequence: 0, disc: 0 });
    // The plane stops before the finalization was queued (or with it still queued in memory).
    await (recordings as LocalRecordings).close();
    recordings = wire();

    const queued = await recordings.recoverPending();
    await recordings.whenIdle();

    assert.equal(queued, 1);
    assert.equal((await api('GET', `/v1/recordings/${ids.recordingId}`)).body?.status, 'ready');
    assert.equal(await recordings.recoverPending(), 0, 'nothing left to do');
  });
});
