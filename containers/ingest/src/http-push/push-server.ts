/**
 * The cloud ingest's MPEG-TS push listener (`PUT|POST /ingest/STREAM_KEY` on STREAMPLANE_HTTP_PORT, behind
 * the NLB's HTTP / TLS listener): only that route, nothing else of the plane's HTTP surface. Locally the
 * plane's own HTTP server serves the same route instead.
 *
 * Must never: answer anything but the push route (404 problem), or time out a live push as a slow request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../../core/ports/logger';
import type { HttpRoute } from './ts-push-route';

export async function startPushServer(options: { port: number; host: string; route: HttpRoute; logger: Logger }): Promise<{ port: number; close(): Promise<void> }> {
  // Headers must come quickly; the body is a live feed, guarded by the route's idle timeout instead.
  const server: Server = createServer({ headersTimeout: 15_000, requestTimeout: 0 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://ingest.local');
    options
      .route(req, res, url)
      .then((handled) => {
        if (handled) return;
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'urn:streamplane:problem:not_found', title: 'Not Found', status: 404, code: 'not_found', detail: 'Push MPEG-TS to /ingest/STREAM_KEY.' }));
      })
      .catch((err: unknown) => {
        options.logger.error('http-ts: request failed', { error: err instanceof Error ? err : String(err) });
        res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
