/**
 * The soak's webhook consumer: verifies every delivery with the off-the-shelf `standardwebhooks` library,
 * counts each event id once (and duplicates separately), and can be taken down — its port refusing
 * connections — and brought back on the same port, as a receiver that is redeployed or crashes would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface WebhookSink {
  readonly url: string;
  /** Event ids delivered with a valid signature, with how often each arrived. */
  readonly delivered: Map<string, number>;
  invalidSignatures: number;
  /** Stops accepting connections (open ones are cut) until `up`. */
  down(): Promise<void>;
  up(): Promise<void>;
  setSecret(secret: string): void;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  let verifier: Webhook | undefined;
  const sockets = new Set<Socket>();
  const delivered = new Map<string, number>();
  const sink = { invalidSignatures: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const event = verifier!.verify(body, req.headers as Record<string, string>) as { id: string };
        delivered.set(event.id, (delivered.get(event.id) ?? 0) + 1);
        res.writeHead(204).end();
      } catch {
        sink.invalidSignatures++;
        res.writeHead(400).end();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return Object.assign(sink, {
    url: `http://127.0.0.1:${port}/soak`,
    delivered,
    down: close,
    up: () => (server.listening ? Promise.resolve() : listen(port)),
    setSecret: (secret: string) => {
      verifier = new Webhook(secret);
    },
    close,
  });
}
