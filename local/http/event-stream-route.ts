/**
 * `GET /v1/events/stream`: the live event stream of the local plane as Server-Sent Events, for
 * dashboards and scripts. Bearer auth like the API. Optional `streamId` and `types` filters. With
 * `Last-Event-ID` (what EventSource sends on reconnect) or `after`, the events after that id are
 * replayed from the event log first, then live events follow from the bus without a gap: the
 * subscription starts before the replay and whatever arrives meanwhile is sent after it, once.
 * A comment line every `heartbeatMs` keeps proxies from timing the connection out.
 *
 * Must never: buffer without bound for a slow client (past `maxBufferedBytes` it is disconnected and
 * can resume with Last-Event-ID), keep a subscription after the client left, or echo the token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamplaneError } from '../../core/errors';
import { isEventType, type StreamplaneEvent } from '../../core/events/catalog';
import { isId } from '../../core/ids';
import type { EventLog } from '../../core/ports/event-bus';
import { silentLogger, type Logger } from '../../core/ports/logger';
import { tokensEqual, type TokenSource } from '../../lambdas/shared/bearer-auth';
import type { Route } from './plane-http-server';

export const EVENT_STREAM_PATH = '/v1/events/stream';

export interface EventSource {
  subscribe(subscriber: (event: StreamplaneEvent) => void | Promise<void>): () => void;
}

export interface EventStreamOptions {
  bus: EventSource;
  eventLog: EventLog;
  apiToken: TokenSource;
  logger?: Logger;
  heartbeatMs?: number;
  /** Bytes queued for one client before it is considered too slow and disconnected. */
  maxBufferedBytes?: number;
  maxClients?: number;
  /** Most events one replay sends (older history: `GET /v1/events`). */
  replayLimit?: number;
}

export interface EventStream {
  route: Route;
  /** Connected clients. */
  readonly clients: number;
  /** Ends every stream (plane shutdown). */
  close(): void;
}

const REPLAY_PAGE = 100;
const MAX_TOKEN_HEADER = 4096;

interface Filter {
  streamId?: string;
  types?: ReadonlySet<string>;
}

export function createEventStream(options: EventStreamOptions): EventStream {
  const logger = options.logger ?? silentLogger;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const maxClients = options.maxClients ?? 100;
  const replayLimit = options.replayLimit ?? 1000;
  const open = new Set<ServerResponse>();

  const route: Route = async (req, res, url) => {
    if (url.pathname !== EVENT_STREAM_PATH) return false;
    if (req.method !== 'GET') {
      problem(res, 405, 'method_not_allowed', `${req.method ?? '?'} is not allowed here; use GET.`, { allow: 'GET' });
      return true;
    }
    if (!(await authorized(req, options.apiToken))) {
      problem(res, 401, 'unauthorized', 'A valid bearer token is required.', { 'www-authenticate': 'Bearer realm="streamplane"' });
      return true;
    }
    const parsed = parseQuery(url, req);
    if ('error' in parsed) {
      problem(res, 400, 'validation', parsed.error);
      return true;
    }
    if (open.size >= maxClients) {
      problem(res, 503, 'unavailable', 'Too many event stream clients are connected; try again later.', { 'retry-after': '5' });
      return true;
    }
    await serve(req, res, parsed.filter, parsed.after);
    return true;
  };

  async function serve(req: IncomingMessage, res: ServerResponse, filter: Filter, after: string | undefined): Promise<void> {
    let live = false;
    let closed = false;
    const pending: StreamplaneEvent[] = [];
    const sent = new Set<string>();
    const unsubscribe = options.bus.subscribe((event) => {
      if (closed || !matches(event, filter)) return;
      if (!live) {
        // Replay still running: hold on (bounded like the socket buffer, by count).
        if (pending.length >= replayLimit) return drop('too many live events during replay');
        pending.push(event);
        return;
      }
      send(event);
    });
    let heartbeat: NodeJS.Timeout | undefined;
    const cleanup = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      if (heartbeat) clearInterval(heartbeat);
      open.delete(res);
    };
    const drop = (why: string) => {
      logger.warn('event stream: client dropped', { reason: why });
      cleanup();
      res.destroy();
    };
    const write = (frame: string) => {
      if (closed) return;
      if (res.writableLength > maxBufferedBytes) return drop('client too slow');
      res.write(frame);
    };
    const send = (event: StreamplaneEvent) => write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    res.on('close', cleanup);
    req.on('close', () => {
      if (res.writableEnded || res.destroyed) cleanup();
    });

    let replay: StreamplaneEvent[] = [];
    if (after !== undefined) {
      try {
        replay = await replayAfter(after, filter);
      } catch (err) {
        cleanup();
        if (err instanceof StreamplaneError && err.code === 'validation') problem(res, 400, 'validation', err.message);
        else {
          logger.error('event stream: replay failed', { error: err instanceof Error ? err.name : String(err) });
          problem(res, 500, 'internal', 'The event log could not be read.');
        }
        return;
      }
    }
    if (closed) return;
    open.add(res);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.flushHeaders();
    write('retry: 3000\n: connected\n\n');
    for (const event of replay) {
      sent.add(event.id);
      send(event);
    }
    for (const event of pending.splice(0)) if (!sent.has(event.id)) send(event);
    sent.clear();
    live = true;
    heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
  }

  async function replayAfter(after: string, filter: Filter): Promise<StreamplaneEvent[]> {
    const out: StreamplaneEvent[] = [];
    let cursor = after;
    while (out.length < replayLimit) {
      const page = await options.eventLog.query({
        after: cursor,
        limit: Math.min(REPLAY_PAGE, replayLimit - out.length),
        ...(filter.streamId ? { streamId: filter.streamId } : {}),
        ...(filter.types ? { types: [...filter.types] } : {}),
      });
      out.push(...page);
      const last = page[page.length - 1];
      if (!last || page.length < REPLAY_PAGE) break;
      cursor = last.id;
    }
    return out;
  }

  return {
    route,
    get clients() {
      return open.size;
    },
    close() {
      for (const res of [...open]) res.end();
      open.clear();
    },
  };
}

function matches(event: StreamplaneEvent, filter: Filter): boolean {
  if (filter.streamId !== undefined && event.streamId !== filter.streamId) return false;
  if (filter.types !== undefined && !filter.types.has(event.type)) return false;
  return true;
}

function parseQuery(url: URL, req: IncomingMessage): { filter: Filter; after?: string } | { error: string } {
  const filter: Filter = {};
  for (const key of url.searchParams.keys()) {
    if (!['streamId', 'types', 'after'].includes(key)) return { error: `Unknown query parameter "${key.slice(0, 40)}"; use streamId, types or after.` };
  }
  const streamId = url.searchParams.get('streamId');
  if (streamId !== null) {
    if (!isId('stream', streamId)) return { error: 'streamId is not a stream id.' };
    filter.streamId = streamId;
  }
  const types = url.searchParams.get('types');
  if (types !== null) {
    const list = types.split(',').map((t) => t.trim());
    if (list.length > 50 || list.some((t) => !isEventType(t))) return { error: 'types must be comma-separated event types.' };
    filter.types = new Set(list);
  }
  const header = req.headers['last-event-id'];
  const after = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('after') ?? undefined;
  if (after !== undefined && after !== '' && !isId('event', after)) return { error: 'Last-Event-ID / after is not an event id.' };
  return after ? { filter, after } : { filter };
}

async function authorized(req: IncomingMessage, token: TokenSource): Promise<boolean> {
  const header = req.headers.authorization;
  if (header === undefined || header.length > MAX_TOKEN_HEADER) return false;
  const presented = /^Bearer +(\S+) *$/i.exec(header)?.[1];
  const expected = await token();
  // An empty expected token would let an empty presented one through.
  if (!presented || typeof expected !== 'string' || expected.length === 0) return false;
  return tokensEqual(presented, expected);
}

function problem(res: ServerResponse, status: number, code: string, detail: string, headers: Record<string, string> = {}): void {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 405: 'Method Not Allowed', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  res.writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ type: `urn:streamplane:problem:${code}`, title: titles[status] ?? 'Error', status, code, detail }));
}
