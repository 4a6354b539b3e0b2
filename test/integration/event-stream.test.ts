/**
 * The live event stream (SSE) over a real HTTP server, the local bus and the DynamoDB event log:
 * auth like the API, filters, replay after Last-Event-ID without gaps or repeats, heartbeats, and
 * cleanup — a client that leaves or cannot keep up loses its subscription, nothing is kept for it.
 */
import assert from 'node:assert/strict';
import { createServer, request, type ClientRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../core/ids';
import type { StreamplaneEvent } from '../../core/events/catalog';
import { silentLogger } from '../../core/ports/logger';
import { createEventStream, type EventSource, type EventStream } from '../../local/http/event-stream-route';
import { startWebhookHarness, TEST_API_TOKEN, type WebhookHarness } from '../support/webhook-harness';
import { waitFor } from '../support/wait';

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

interface SseClient {
  status: number;
  response: IncomingMessage;
  frames: Frame[];
  events(): StreamplaneEvent[];
  closed: Promise<void>;
  close(): void;
}

/** A minimal SSE client: parses frames as they arrive. */
function connect(port: number, path: string, headers: Record<string, string> = { authorization: `Bearer ${TEST_API_TOKEN}` }, options: { paused?: boolean } = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const frames: Frame[] = [];
      let buffer = '';
      const closed = new Promise<void>((done) => {
        res.on('close', () => done());
        res.on('error', () => done());
        req.on('error', () => done());
      });
      if (options.paused) res.pause();
      else {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const frame: Frame = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) frame.comment = line.slice(1).trim();
              else if (line.startsWith('id: ')) frame.id = line.slice(4);
              else if (line.startsWith('event: ')) frame.event = line.slice(7);
              else if (line.startsWith('data: ')) frame.data = line.slice(6);
            }
            frames.push(frame);
          }
        });
      }
      resolve({
        status: res.statusCode ?? 0,
        response: res,
        frames,
        events: () => frames.filter((f) => f.data !== undefined).map((f) => JSON.parse(f.data as string) as StreamplaneEvent),
        closed,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A bus the test publishes to directly (events of any size, no store in between). */
class FakeBus implements EventSource {
  private readonly subscribers = new Set<(event: StreamplaneEvent) => void | Promise<void>>();
  get active(): number {
    return this.subscribers.size;
  }
  subscribe(subscriber: (event: StreamplaneEvent) => void | Promise<void>): () => void {
    this.subscribers.add(subscriber);
    return () => void this.subscribers.delete(subscriber);
  }
  publish(event: StreamplaneEvent): void {
    for (const subscriber of this.subscribers) void subscriber(event);
  }
}

/** The harness bus, counting live subscriptions. */
function counting(source: EventSource): EventSource & { active: number } {
  const counter = {
    active: 0,
    subscribe(subscriber: Parameters<EventSource['subscribe']>[0]) {
      counter.active++;
      const unsubscribe = source.subscribe(subscriber);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        counter.active--;
        unsubscribe();
      };
    },
  };
  return counter;
}

describe('live event stream (SSE)', () => {
  let h: WebhookHarness;
  let server: Server;
  let port: number;
  let stream: EventStream;
  let bus: ReturnType<typeof counting>;
  const clients: SseClient[] = [];

  before(async () => {
    h = await startWebhookHarness();
    bus = counting(h.bus);
    stream = createEventStream({ bus, eventLog: h.eventLog, apiToken: () => TEST_API_TOKEN, logger: silentLogger, heartbeatMs: 50 });
    server = createServer((req, res) => {
      void stream.route(req, res, new URL(req.url ?? '/', 'http://x')).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const client of clients) client.close();
    stream.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await h.close();
  });

  const open = async (path: string, headers?: Record<string, string>) => {
    const client = await connect(port, path, headers);
    clients.push(client);
    return client;
  };

  it('requires the bearer token, a GET and valid parameters', async () => {
    for (const [headers, status] of [
      [{}, 401],
      [{ authorization: 'Bearer wrong-token' }, 401],
      [{ authorization: TEST_API_TOKEN }, 401],
    ] as const) {
      const client = await open('/v1/events/stream', headers);
      assert.equal(client.status, status);
      assert.equal(client.response.headers['content-type'], 'application/problem+json');
    }
    const post = await fetch(`http://127.0.0.1:${port}/v1/events/stream`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    await post.body?.cancel();
    assert.equal((await open('/v1/events/stream?streamId=nope')).status, 400);
    assert.equal((await open('/v1/events/stream?types=stream.nope')).status, 400);
    assert.equal((await open('/v1/events/stream?bogus=1')).status, 400);
    assert.equal((await open('/v1/events/stream?after=evt_aaaaaaaaaaaaaaaaaaaa')).status, 400, 'an event the log does not hold');
    assert.equal(bus.active, 0, 'refused requests hold no subscription');
  });

  it('streams live events of one stream and of the wanted types only', async () => {
    const mine = newId('stream');
    const client = await open(`/v1/events/stream?streamId=${mine}&types=stream.created,stream.updated`);
    assert.equal(client.status, 200);
    assert.match(String(client.response.headers['content-type']), /^text\/event-stream/);
    await h.emit({ type: 'stream.created', streamId: newId('stream'), data: { name: 'someone else' } });
    const a = await h.emit({ type: 'stream.created', streamId: mine, data: { name: 'mine' } });
    await h.emit({ type: 'stream.deleted', streamId: mine, data: {} });
    const b = await h.emit({ type: 'stream.updated', streamId: mine, data: { changed: ['name'] } });

    await waitFor('two events', () => (client.events().length >= 2 ? true : undefined), { intervalMs: 10 });
    assert.deepEqual(client.events(), [a, b], 'exactly the envelopes, in order');
    const frames = client.frames.filter((f) => f.data);
    assert.deepEqual(frames.map((f) => [f.id, f.event]), [[a.id, a.type], [b.id, b.type]]);
    await waitFor('a heartbeat', () => (client.frames.some((f) => f.comment === 'heartbeat') ? true : undefined), { intervalMs: 10 });
    client.close();
    await waitFor('the subscription to end', () => (bus.active === 0 ? true : undefined), { intervalMs: 10 });
  });

  it('replays what came after Last-Event-ID, then continues live without repeats', async () => {
    const streamId = newId('stream');
    const first = await h.emit({ type: 'stream.created', streamId, data: { name: 'one' } });
    const second = await h.emit({ type: 'stream.updated', streamId, data: { changed: ['name'] } });
    const third = await h.emit({ type: 'stream.updated', streamId, data: { changed: ['recording'] } });
    const client = await open(`/v1/events/stream?streamId=${streamId}`, { authorization: `Bearer ${TEST_API_TOKEN}`, 'last-event-id': first.id });
    assert.equal(client.status, 200);
    const fourth = await h.emit({ type: 'stream.deleted', streamId, data: {} });
    await waitFor('three events', () => (client.events().length >= 3 ? true : undefined), { intervalMs: 10 });
    assert.deepEqual(client.events().map((e) => e.id), [second.id, third.id, fourth.id]);

    const viaQuery = await open(`/v1/events/stream?streamId=${streamId}&after=${third.id}`);
    await waitFor('one event', () => (viaQuery.events().length >= 1 ? true : undefined), { intervalMs: 10 });
    assert.deepEqual(viaQuery.events().map((e) => e.id), [fourth.id]);
    client.close();
    viaQuery.close();
  });

  it('disconnects a client that does not read, and drops its subscription', async () => {
    const fake = new FakeBus();
    const slowStream = createEventStream({ bus: fake, eventLog: h.eventLog, apiToken: () => TEST_API_TOKEN, maxBufferedBytes: 256 * 1024 });
    const slowServer = createServer((req, res) => void slowStream.route(req, res, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((resolve) => slowServer.listen(0, '127.0.0.1', () => resolve()));
    try {
      const client = await connect((slowServer.address() as AddressInfo).port, '/v1/events/stream', { authorization: `Bearer ${TEST_API_TOKEN}` }, { paused: true });
      clients.push(client);
      assert.equal(fake.active, 1);
      const big = 'x'.repeat(16 * 1024);
      // Far more than socket buffers hold; a bounded stream must give up on this client.
      for (let i = 0; i < 4000 && fake.active > 0; i++) {
        fake.publish({ id: newId('event'), type: 'stream.created', version: 1, time: new Date().toISOString(), streamId: null, sequence: i, data: { name: big } } as StreamplaneEvent);
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      await waitFor('the slow client to be dropped', () => (fake.active === 0 ? true : undefined), { intervalMs: 10, timeoutMs: 10_000 });
      await client.closed;
      assert.equal(slowStream.clients, 0);
    } finally {
      slowStream.close();
      await new Promise<void>((resolve) => {
        slowServer.close(() => resolve());
        slowServer.closeAllConnections();
      });
    }
  });
});
