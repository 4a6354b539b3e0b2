/** The plane's HTTP listener against slow clients: a stalled request is cut at its timeout, not up to 30 s later. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../../../core/ports/logger';
import { createPlaneHttpServer } from '../../../local/http/plane-http-server';

describe('plane HTTP server timeouts', () => {
  const server = createPlaneHttpServer({ logger: silentLogger, routes: [], headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('closes a connection whose headers never finish soon after the header timeout', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume(); // read the 408, or 'close' never comes
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const startedAt = Date.now();
    // Node's default sweep (every 30 s) would hold it open far past this deadline.
    const closed = await new Promise<boolean>((resolve) => {
      const deadline = setTimeout(() => resolve(false), 10_000);
      socket.once('close', () => {
        clearTimeout(deadline);
        resolve(true);
      });
    });
    socket.destroy();
    assert.ok(closed, 'the stalled connection was still open 10 s after a 1 s header timeout');
    assert.ok(Date.now() - startedAt >= 900, 'closed before the header timeout');
  });
});
