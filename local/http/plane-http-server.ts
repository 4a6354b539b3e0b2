/**
 * The plane's HTTP listener: health, metrics, and whichever of the control API and the HLS origin this
 * process serves (the local plane serves both; the cloud ingest only health and metrics). Routing only:
 * each route's behaviour lives in its own module.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../core/ports/logger';

/** Handles the request and returns true, or returns false to let the next route try. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface PlaneHttpServerOptions {
  routes: Route[];
  logger: Logger;
  /** Slow-loris guard: a client must send its headers within this (default 15 s). */
  headersTimeoutMs?: number;
  /** The whole request, body included (default 60 s). */
  requestTimeoutMs?: number;
  /**
   * Requests whose body is a live feed (MPEG-TS push to `/ingest/…`): exempt from the request timeout,
   * which would otherwise cut every publish after a minute. Their route guards them with an idle timeout.
   */
  isLiveBody?: (req: IncomingMessage) => boolean;
}

/**
 * Node enforces the two timeouts only when it sweeps its connections, every 30 s by default, which
 * would let a 15 s header timeout run to 45 s: sweep every second instead.
 */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

export function createPlaneHttpServer(options: PlaneHttpServerOptions): Server {
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const isLiveBody = options.isLiveBody;
  const timeouts = {
    headersTimeout: options.headersTimeoutMs ?? 15_000,
    // Node's own request timeout cannot exempt one request; with live bodies it is kept per request below.
    requestTimeout: isLiveBody ? 0 : requestTimeoutMs,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
  };
  const server = createServer(timeouts, (req, res) => {
    if (isLiveBody && !isLiveBody(req)) guardRequestTime(req, res, requestTimeoutMs);
    void handle(req, res).catch((err: unknown) => {
      options.logger.error('http: request failed', { method: req.method, path: safePath(req), error: err instanceof Error ? err : String(err) });
      if (!res.headersSent) sendProblem(res, 500, 'internal', 'Internal Server Error', 'The request could not be completed.');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://plane.local');
    } catch {
      sendProblem(res, 400, 'validation', 'Bad Request', 'The request URL is not valid.');
      return;
    }
    for (const route of options.routes) {
      if (await route(req, res, url)) return;
    }
    sendProblem(res, 404, 'not_found', 'Not Found', 'No such resource.');
  }
  return server;
}

/** The request timeout for one request: its body must have arrived within `ms`, or it is cut (408). */
function guardRequestTime(req: IncomingMessage, res: ServerResponse, ms: number): void {
  const timer = setTimeout(() => {
    if (!res.headersSent) sendProblem(res, 408, 'request_timeout', 'Request Timeout', 'The request took too long to arrive.');
    req.socket.destroySoon();
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  res.once('close', clear);
}

export function sendProblem(res: ServerResponse, status: number, code: string, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ type: `urn:streamplane:problem:${code}`, title, status, code, detail }));
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** `GET /healthz`: 200 once every part reports ready, 503 (with which part is not) otherwise. */
export function healthRoute(checks: Record<string, () => boolean>): Route {
  return async (req, res, url) => {
    if (url.pathname !== '/healthz') return false;
    const parts = Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, check() ? 'ready' : 'starting']));
    const ok = Object.values(parts).every((v) => v === 'ready');
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'starting', ...parts });
    return true;
  };
}

export function metricsRoute(render: () => string): Route {
  return async (_req, res, url) => {
    if (url.pathname !== '/metrics') return false;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'cache-control': 'no-store' });
    res.end(render());
    return true;
  };
}

function safePath(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0]!.slice(0, 200);
}
