/**
 * The control API's routes: each parses its input, calls one core use case, and maps the result.
 * Path ids are checked here, before any store call. Only create and reset-key pass the stream key to
 * the view; every other response is built without it.
 */
import type { EmitEvent } from '../../core/events/emit-event';
import { InvalidIdError } from '../../core/errors';
import { isId } from '../../core/ids';
import type { Clock } from '../../core/ports/clock';
import type { EventLog } from '../../core/ports/event-bus';
import type { StreamStore } from '../../core/ports/stream-store';
import { toStreamView, type PublicUrls, type Stream } from '../../core/streams/stream';
import {
  createStream,
  deleteStream,
  disableStream,
  enableStream,
  endStreamNow,
  getStream,
  listStreams,
  resetStreamKey,
  updateStream,
} from '../../core/streams/stream-registry';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import type { Route, RouteRequest } from '../shared/router';
import { parseInput } from '../shared/validate';
import {
  createStreamInput,
  DEFAULT_EVENT_PAGE_LIMIT,
  DEFAULT_STREAM_PAGE_LIMIT,
  emptyBody,
  listEventsQuery,
  listStreamsQuery,
  updateStreamInput,
} from './schema';

export interface RouteDeps {
  store: StreamStore;
  eventLog: EventLog;
  emit: EmitEvent;
  clock: Clock;
  urls: PublicUrls;
}

export function streamRegistryRoutes(deps: RouteDeps, openApiDocument: () => unknown): Route[] {
  const view = (stream: Stream) => toStreamView(stream, deps.urls);
  const withKey = (stream: Stream, streamKey: string) => toStreamView(stream, deps.urls, streamKey);

  /** Routes on one stream: validated id, no body beyond `{}`. */
  const action = (path: string, run: (id: string) => Promise<Stream>): Route => ({
    method: 'POST',
    path,
    handle: async (req) => {
      const id = streamId(req);
      parseInput(emptyBody, req.body, 'body');
      return jsonResponse(200, view(await run(id)));
    },
  });

  return [
    {
      method: 'POST',
      path: '/v1/streams',
      handle: async (req) => {
        const input = parseInput(createStreamInput, req.body, 'body');
        const { stream, streamKey } = await createStream(deps, input);
        return jsonResponse(201, withKey(stream, streamKey), { location: `/v1/streams/${stream.id}` });
      },
    },
    {
      method: 'GET',
      path: '/v1/streams',
      handle: async (req) => {
        const query = parseInput(listStreamsQuery, req.query, 'query');
        const page = await listStreams(deps, { limit: query.limit ?? DEFAULT_STREAM_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });
        return jsonResponse(200, { items: page.items.map(view), ...(page.next ? { next: page.next } : {}) });
      },
    },
    {
      method: 'GET',
      path: '/v1/streams/{id}',
      handle: async (req) => jsonResponse(200, view(await getStream(deps, streamId(req)))),
    },
    {
      method: 'PATCH',
      path: '/v1/streams/{id}',
      handle: async (req) => {
        const id = streamId(req);
        const patch = parseInput(updateStreamInput, req.body, 'body');
        return jsonResponse(200, view(await updateStream(deps, id, patch)));
      },
    },
    {
      method: 'DELETE',
      path: '/v1/streams/{id}',
      handle: async (req) => {
        await deleteStream(deps, streamId(req));
        return emptyResponse(204);
      },
    },
    {
      method: 'POST',
      path: '/v1/streams/{id}/reset-key',
      handle: async (req) => {
        const id = streamId(req);
        parseInput(emptyBody, req.body, 'body');
        const { stream, streamKey } = await resetStreamKey(deps, id);
        return jsonResponse(200, withKey(stream, streamKey));
      },
    },
    action('/v1/streams/{id}/disable', (id) => disableStream(deps, id)),
    action('/v1/streams/{id}/enable', (id) => enableStream(deps, id)),
    action('/v1/streams/{id}/end', (id) => endStreamNow(deps, id)),
    {
      method: 'GET',
      path: '/v1/events',
      handle: async (req) => {
        const query = parseInput(listEventsQuery, req.query, 'query');
        const items = await deps.eventLog.query({
          limit: query.limit ?? DEFAULT_EVENT_PAGE_LIMIT,
          ...(query.streamId ? { streamId: query.streamId } : {}),
          ...(query.after ? { after: query.after } : {}),
          ...(query.type ? { types: query.type } : {}),
        });
        return jsonResponse(200, { items });
      },
    },
    {
      method: 'GET',
      path: '/v1/openapi.json',
      public: true,
      handle: async () => jsonResponse(200, openApiDocument(), { 'cache-control': 'public, max-age=300' }),
    },
  ];
}

function streamId(req: RouteRequest): string {
  const id = req.params.id;
  if (!isId('stream', id)) throw new InvalidIdError('stream');
  return id;
}
