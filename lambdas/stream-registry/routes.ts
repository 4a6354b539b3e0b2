/**
 * The control API's route table: what each route accepts (zod, from schema.ts), what it answers, and
 * the one core use case it calls. The router serves this table and openapi.ts documents it. Only create
 * and reset-key pass the stream key to the view; every other response is built without it.
 */
import { z } from 'zod';
import type { EmitEvent } from '../../core/events/emit-event';
import type { Clock } from '../../core/ports/clock';
import type { EventLog } from '../../core/ports/event-bus';
import type { StreamStore } from '../../core/ports/stream-store';
import type { MediaLookup } from '../../core/media-library/channel-media';
import { toStreamView, type PublicUrls, type Stream } from '../../core/streams/stream';
import {
  createStream,
  deleteStream,
  disableStream,
  enableStream,
  getStream,
  listStreams,
  resetStreamKey,
  updateStream,
} from '../../core/streams/stream-registry';
import { monitoringRoutes, type MonitoringDeps } from './monitoring-routes';
import { urlsOf, type IngestCellsDeps } from './cell-urls';
import { pullRoutes } from './pull-routes';
import type { PullJobQueue } from '../../core/ports/pull-jobs';
import type { SourceAdmissionDeps } from '../../core/pulls/pull-admission';
import { endStream } from '../../core/pulls/pull-control';
import { component, defineRoute, type ApiRoute, type ResponseDoc } from '../shared/api-route';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import { schemaRef } from '../shared/openapi';
import {
  createStreamInput,
  DEFAULT_EVENT_PAGE_LIMIT,
  DEFAULT_STREAM_PAGE_LIMIT,
  emptyBody,
  listEventsQuery,
  listStreamsQuery,
  streamList,
  streamView,
  streamViewWithKey,
  updateStreamInput,
} from './schema';

export interface RouteDeps {
  store: StreamStore;
  eventLog: EventLog;
  emit: EmitEvent;
  clock: Clock;
  urls: PublicUrls;
  defaults?: { reconnectWindowSeconds?: number };
  /** The media library: fallback and slate ids are checked against it. */
  media?: MediaLookup;
  /** The OpenAPI document served at `/v1/openapi.json` (built lazily by the handler). */
  openApiDocument: () => unknown;
  /** Health, sessions and nodes; without them those routes answer 503 `unavailable`. */
  monitoring?: MonitoringDeps;
  /** Where started pulls go (local runner or the pull-job queue); without it `start` answers 503. */
  pullJobs?: PullJobQueue;
  /** The URL policy (and DNS check) for pull sources; default the cloud policy. */
  sources?: Partial<SourceAdmissionDeps>;
  /** Ingest cells: each cell's endpoint and the per-cell stream counts; new streams go to the least loaded cell. */
  cells?: IngestCellsDeps;
}

const Stream = component('Stream', streamView);
const StreamWithKey = component('StreamWithKey', streamViewWithKey);
const CreatedStream = component('CreatedStream', z.union([streamViewWithKey, streamView]));
const StreamList = component('StreamList', streamList);

const readErrors: Record<string, ResponseDoc> = { '400': 'BadRequest', '401': 'Unauthorized', '404': 'NotFound', '500': 'InternalError' };
const writeErrors: Record<string, ResponseDoc> = { ...readErrors, '409': 'Conflict', '413': 'PayloadTooLarge', '415': 'UnsupportedMediaType' };
const tags = ['streams'];

const view = (deps: RouteDeps, stream: Stream) => toStreamView(stream, urlsOf(deps, stream));

/** Routes on one stream that change its state: validated id, no body beyond `{}`. */
function streamAction(path: string, operationId: string, summary: string, description: string, run: (deps: RouteDeps, id: string) => Promise<Stream>) {
  return defineRoute({
    method: 'POST',
    path,
    operationId,
    summary,
    description,
    tags,
    params: { id: 'stream' },
    body: emptyBody,
    responses: { '200': { description: 'The stream after the change.', body: Stream }, ...writeErrors },
    handle: async ({ params }, deps: RouteDeps) => jsonResponse(200, view(deps, await run(deps, params.id))),
  });
}

export const streamRegistryRoutes: ReadonlyArray<ApiRoute<RouteDeps>> = [
  // Before /v1/streams/{id}…: a static segment the id pattern would not match anyway.
  ...pullRoutes,
  defineRoute({
    method: 'POST',
    path: '/v1/streams',
    operationId: 'createStream',
    summary: 'Create a stream',
    tags,
    body: createStreamInput,
    bodyComponent: 'CreateStreamInput',
    responses: {
      '201': {
        description: 'Created. The response holds the stream key; it is not shown again. A stream with `source` has no key: its `ingest` is `{type: "pull", url}` (masked).',
        body: CreatedStream,
        headers: { Location: 'Path of the new stream.' },
      },
      ...writeErrors,
    },
    handle: async ({ body }, deps: RouteDeps) => {
      const { stream, streamKey } = await createStream(deps, body);
      return jsonResponse(201, toStreamView(stream, urlsOf(deps, stream), streamKey), { location: `/v1/streams/${stream.id}` });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/streams',
    operationId: 'listStreams',
    summary: 'List streams, newest first',
    tags,
    query: listStreamsQuery,
    responses: { '200': { description: `A page of streams (default ${DEFAULT_STREAM_PAGE_LIMIT}).`, body: StreamList }, ...readErrors },
    handle: async ({ query }, deps: RouteDeps) => {
      const page = await listStreams(deps, { limit: query.limit ?? DEFAULT_STREAM_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });
      return jsonResponse(200, { items: page.items.map((s) => view(deps, s)), ...(page.next ? { next: page.next } : {}) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/streams/{id}',
    operationId: 'getStream',
    summary: 'Get a stream',
    tags,
    params: { id: 'stream' },
    responses: { '200': { description: 'The stream.', body: Stream }, ...readErrors },
    handle: async ({ params }, deps: RouteDeps) => jsonResponse(200, view(deps, await getStream(deps, params.id))),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/v1/streams/{id}',
    operationId: 'updateStream',
    summary: "Change a stream's settings",
    tags,
    params: { id: 'stream' },
    body: updateStreamInput,
    bodyComponent: 'UpdateStreamInput',
    responses: { '200': { description: 'The updated stream.', body: Stream }, ...writeErrors },
    handle: async ({ params, body }, deps: RouteDeps) => jsonResponse(200, view(deps, await updateStream(deps, params.id, body))),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/streams/{id}',
    operationId: 'deleteStream',
    summary: 'Delete a stream; its key stops working at once',
    tags,
    params: { id: 'stream' },
    responses: { '204': { description: 'Deleted.' }, ...readErrors },
    handle: async ({ params }, deps: RouteDeps) => {
      await deleteStream(deps, params.id);
      return emptyResponse(204);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/streams/{id}/reset-key',
    operationId: 'resetStreamKey',
    summary: 'Replace the stream key; the old one stops working at once',
    tags,
    params: { id: 'stream' },
    body: emptyBody,
    responses: { '200': { description: 'The stream with its new key (shown only now).', body: StreamWithKey }, ...writeErrors },
    handle: async ({ params }, deps: RouteDeps) => {
      const { stream, streamKey } = await resetStreamKey(deps, params.id);
      return jsonResponse(200, toStreamView(stream, urlsOf(deps, stream), streamKey));
    },
  }),
  streamAction('/v1/streams/{id}/disable', 'disableStream', 'Disable a stream', 'Ends an open session and refuses publishes until enabled.', (deps, id) => disableStream(deps, id)),
  streamAction('/v1/streams/{id}/enable', 'enableStream', 'Enable a disabled stream', 'The stream becomes idle and accepts publishes again.', (deps, id) => enableStream(deps, id)),
  streamAction(
    '/v1/streams/{id}/end',
    'endStream',
    'End the open session now',
    'The publisher is disconnected; `stream.ended` is emitted. For a pulled stream the pull stops too (a queued one is cancelled).',
    (deps, id) => endStream(deps, id),
  ),
  defineRoute({
    method: 'GET',
    path: '/v1/events',
    operationId: 'listEvents',
    summary: 'Recent events (kept seven days)',
    description:
      'Without `after`, the most recent events, oldest first; with `after`, the events following that one. Poll by passing the last id seen. ' +
      "With `streamId`, ordered by the stream's sequence; otherwise by time across all streams.",
    tags: ['events'],
    query: listEventsQuery,
    responses: {
      '200': {
        description: `Events (default ${DEFAULT_EVENT_PAGE_LIMIT}).`,
        // The envelopes come from the event catalog, documented as `Event` by openapi.ts.
        body: { jsonSchema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: schemaRef('Event') } } } },
      },
      ...readErrors,
    },
    handle: async ({ query }, deps: RouteDeps) => {
      const items = await deps.eventLog.query({
        limit: query.limit ?? DEFAULT_EVENT_PAGE_LIMIT,
        ...(query.streamId ? { streamId: query.streamId } : {}),
        ...(query.after ? { after: query.after } : {}),
        ...(query.type ? { types: query.type } : {}),
      });
      return jsonResponse(200, { items });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tags: ['meta'],
    public: true,
    responses: { '200': { description: 'The OpenAPI document.', body: { jsonSchema: { type: 'object' } } } },
    handle: async (_input, deps: RouteDeps) => jsonResponse(200, deps.openApiDocument(), { 'cache-control': 'public, max-age=300' }),
  }),
  ...monitoringRoutes,
];
