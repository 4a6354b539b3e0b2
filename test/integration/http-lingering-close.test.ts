/**
 * A refusal sent while the client is still uploading reaches the client: the server answers, half-closes
 * and drains instead of closing on unread bytes (which resets the connection and can drop the answer —
 * the media library's 413 arrived as `write EPIPE` in CI before this).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { lingerOnClose } from '../../adapters/http-lingering-close';

const BODY_BYTES = 8 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 7);

/** Reads the first chunk of the body, then refuses it the way the upload and push routes do. */
function refuseAfterFirstChunk(req: IncomingMessage, res: ServerResponse): void {
  req.once('data', () => {
    req.pause();
    res.setHeader('connection', 'close');
    lingerOnClose(req.socket, 2_000);
    res.writeHead(413, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ code: 'payload_too_large' }));
  });
}

/**
 * A raw client that keeps sending the body and reads nothing for a while, as a busy uploader does: if the
 * server closes on unread bytes, the reset reaches this socket before it reads, and the answer is lost.
 */
function upload(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.pause();
    socket.on('error', (err) => (received.length > 0 ? resolve(Buffer.concat(received).toString('latin1')) : reject(err)));
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('end', () => resolve(Buffer.concat(received).toString('latin1')));
    socket.write(`PUT /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${BODY_BYTES}\r\n\r\n`);
    let sent = 0;
    const write = (): void => {
      while (sent < BODY_BYTES && !socket.destroyed) {
        sent += CHUNK.length;
        if (!socket.write(CHUNK)) {
          socket.once('drain', write);
          return;
        }
      }
    };
    write();
    setTimeout(() => socket.resume(), 300).unref();
  });
}

describe('lingering close of a refused upload', () => {
  let server: Server;
  let port: number;

  before(async () => {
    server = createServer(refuseAfterFirstChunk);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('the client reads the 413 every time, although it was still sending the body', async () => {
    for (let i = 0; i < 10; i++) {
      const answer = await upload(port).catch((err: Error) => `no answer: ${err.message}`);
      assert.match(answer, /^HTTP\/1\.1 413 /, `attempt ${i + 1}`);
      assert.match(answer, /payload_too_large/);
    }
  });
});
