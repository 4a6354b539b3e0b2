/**
 * Read pacing on a real loopback TCP connection: an encoder's many small writes reach the ingest in a few
 * bursts, byte for byte and in order; a large burst is drained whole (no cap of one read per interval); the
 * end of the stream still arrives; stopping the pacing leaves the socket reading normally; and a socket
 * that closes leaves no timer behind.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { paceReads } from '../../../../../containers/ingest/src/rtmp/read-pacing';

interface Pair {
  server: Server;
  client: Socket;
  accepted: Socket;
}

const open: Pair[] = [];

async function connectedPair(): Promise<Pair> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const acceptedP = once(server, 'connection') as Promise<[Socket]>;
  const client = createConnection({ port, host: '127.0.0.1', noDelay: true });
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  const pair = { server, client, accepted };
  open.push(pair);
  return pair;
}

afterEach(async () => {
  for (const { server, client, accepted } of open.splice(0)) {
    client.destroy();
    accepted.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Collects what arrives, counting 'data' events, until `bytes` have come. */
function receive(socket: Socket, bytes: number): { events: () => number; done: Promise<Buffer> } {
  const chunks: Buffer[] = [];
  let got = 0;
  return {
    events: () => chunks.length,
    done: new Promise((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        got += chunk.length;
        if (got >= bytes) resolve(Buffer.concat(chunks));
      });
    }),
  };
}

function countReadStops(socket: Socket): () => number {
  const handle = (socket as unknown as { _handle: { readStop(): number } })._handle;
  const original = handle.readStop.bind(handle);
  let stops = 0;
  handle.readStop = () => {
    stops++;
    return original();
  };
  return () => stops;
}

describe('paceReads', () => {
  it('hands an encoder\'s small writes on in a few bursts, every byte in order', async () => {
    const { client, accepted } = await connectedPair();
    paceReads(accepted, 50);
    const writes = 60;
    const payload = Buffer.alloc(writes * 300);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const received = receive(accepted, payload.length);

    for (let i = 0; i < writes; i++) {
      client.write(payload.subarray(i * 300, (i + 1) * 300));
      await delay(3);
    }

    assert.deepEqual(await received.done, payload);
    assert.ok(received.events() <= writes / 4, `${received.events()} reads for ${writes} writes spread over ~200 ms`);
  });

  it('drains a large burst whole instead of one read per interval', async () => {
    const { client, accepted } = await connectedPair();
    paceReads(accepted, 50);
    const stops = countReadStops(accepted);
    const payload = Buffer.alloc(8 * 1024 * 1024, 7);
    const received = receive(accepted, payload.length);

    client.write(payload);

    assert.equal((await received.done).length, payload.length);
    // Pausing after every burst would hold the sender to one kernel receive buffer (~100 KB on loopback) per
    // interval: ~90 pauses for 8 MiB, a ~15 Mbps cap.
    assert.ok(stops() <= 20, `${stops()} pauses to receive 8 MiB`);
  });

  it('still delivers the end of the stream, and reads normally once stopped', async () => {
    const { client, accepted } = await connectedPair();
    const closeListeners = accepted.listenerCount('close');
    const stop = paceReads(accepted, 50);
    const first = receive(accepted, 3);
    client.write('abc');
    assert.equal((await first.done).toString(), 'abc');

    stop();
    assert.equal(accepted.listenerCount('close'), closeListeners, 'stop() left a listener on the socket');
    const stops = countReadStops(accepted);
    const ended = once(accepted, 'end');
    const rest = receive(accepted, 6);
    client.write('defghi');
    client.end();
    assert.equal((await rest.done).toString().slice(-6), 'defghi');
    await ended;
    assert.equal(stops(), 0, 'no pause after stop()');
  });

  it('leaves no timer behind when a paced socket closes while its reads are stopped', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const { client, accepted } = await connectedPair();
    const before = timers();
    paceReads(accepted, 60_000);
    const got = receive(accepted, 4);
    client.write('abcd');
    await got.done;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(timers(), before + 1, 'reads stopped until the interval is up');
    accepted.destroy();
    await once(accepted, 'close');
    assert.equal(timers(), before, 'the timer went with the socket');
  });

  it('does nothing for a socket without a handle (already destroyed)', async () => {
    const { accepted } = await connectedPair();
    accepted.destroy();
    await once(accepted, 'close');
    assert.doesNotThrow(() => paceReads(accepted, 50)());
  });
});
