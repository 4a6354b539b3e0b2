/**
 * A real HTTP webhook receiver for tests: records every request (headers, raw body, path) and answers
 * as the test's `respond` says — a status, after a delay, or never (hang until closed). `close` ends
 * every connection, hanging ones included.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait';

export interface ReceivedRequest {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Answer = { status: number; body?: string; delayMs?: number } | 'hang';
export type Responder = (request: ReceivedRequest, index: number) => Answer;

export interface WebhookReceiver {
  port: number;
  url(path?: string): string;
  requests: ReceivedRequest[];
  /** Requests to `path` so far. */
  at(path: string): ReceivedRequest[];
  waitForCount(path: string, count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Answers every hanging request now (200), and every later one that would hang. */
  releaseHanging(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(respond: Responder = () => ({ status: 200 })): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  let released = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = { path: (req.url ?? '/').split('?')[0] as string, method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(received);
      const answer = respond(received, requests.filter((r) => r.path === received.path).length - 1);
      if (answer === 'hang' && released) {
        res.writeHead(200);
        res.end();
        return;
      }
      if (answer === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, answer.delayMs);
        timers.add(timer);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    requests,
    at: (path) => requests.filter((r) => r.path === path),
    waitForCount: (path, count, timeoutMs = 20_000) =>
      waitFor(`${count} requests to ${path}`, () => (requests.filter((r) => r.path === path).length >= count ? requests.filter((r) => r.path === path) : undefined), { timeoutMs, intervalMs: 10 }),
    releaseHanging() {
      released = true;
      for (const res of hanging) {
        if (!res.destroyed) {
          res.writeHead(200);
          res.end();
        }
      }
      hanging.clear();
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A port nothing listens on (bound, then released), for a receiver that is down. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
