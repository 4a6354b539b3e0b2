/**
 * Monitoring routes of the control API: a stream's health and sessions, one session, the ingest nodes.
 * Served by the same handler as the stream routes (their table is appended to routes.ts) and documented
 * from this table in the OpenAPI document.
 */
import { StreamplaneError } from '../../core/errors';
import { healthView } from '../../core/health/stream-health';
import { listNodeViews } from '../../core/nodes/nodes';
import type { NodeStore, SessionStore, StreamHealthStore } from '../../core/ports/monitoring-stores';
import { getSession, listStreamSessions } from '../../core/sessions/session';
import { hasOpenSession } from '../../core/streams/stream';
import { getStream } from '../../core/streams/stream-registry';
import { component, defineRoute, type ApiRoute, type ResponseDoc } from '../shared/api-route';
import { jsonResponse } from '../shared/json-response';
import { DEFAULT_SESSION_PAGE_LIMIT, listSessionsQuery, nodeList, sessionList, sessionView, streamHealth } from './monitoring-schema';
import type { RouteDeps } from './routes';

export interface MonitoringDeps {
  health: StreamHealthStore;
  sessions: SessionStore;
  nodes: NodeStore;
}

const StreamHealth = component('StreamHealth', streamHealth);
const Session = component('Session', sessionView);
const SessionList = component('SessionList', sessionList);
const NodeList = component('NodeList', nodeList);
const readErrors: Record<string, ResponseDoc> = { '400': 'BadRequest', '401': 'Unauthorized', '404': 'NotFound', '500': 'InternalError' };

function monitoring(deps: RouteDeps): MonitoringDeps {
  if (!deps.monitoring) throw new StreamplaneError('unavailable', 'Monitoring is not configured on this plane.');
  return deps.monitoring;
}

export const monitoringRoutes: ReadonlyArray<ApiRoute<RouteDeps>> = [
  defineRoute({
    method: 'GET',
    path: '/v1/streams/{id}/health',
    operationId: 'getStreamHealth',
    summary: "The live feed's health, measured from the media received",
    description:
      'Bitrates, frame rate, keyframe interval, size and codecs as the ingest receives them, the transcoder speed, and a status with reasons ' +
      '(`excellent`, `good`, `poor`, `starving`, `offline`). Refreshed every 2 s while live; `offline` without a publisher.',
    tags: ['monitoring'],
    params: { id: 'stream' },
    responses: { '200': { description: 'The health.', body: StreamHealth }, ...readErrors },
    handle: async ({ params }, deps: RouteDeps) => {
      const stream = await getStream(deps, params.id);
      const report = await monitoring(deps).health.get(stream.id);
      const publishing = hasOpenSession(stream.status) && stream.status !== 'interrupted';
      return jsonResponse(200, healthView({ publishing, sessionId: stream.sessionId, report, now: deps.clock.now() }), { 'cache-control': 'no-store' });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/streams/{id}/sessions',
    operationId: 'listStreamSessions',
    summary: "A stream's publish sessions, newest first (kept after they end)",
    tags: ['monitoring'],
    params: { id: 'stream' },
    query: listSessionsQuery,
    responses: { '200': { description: `A page of sessions (default ${DEFAULT_SESSION_PAGE_LIMIT}).`, body: SessionList }, ...readErrors },
    handle: async ({ params, query }, deps: RouteDeps) => {
      const page = await listStreamSessions(monitoring(deps), params.id, { limit: query.limit ?? DEFAULT_SESSION_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });
      return jsonResponse(200, page);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/sessions/{id}',
    operationId: 'getSession',
    summary: 'One publish session: start/end, end reason, reconnects, takeovers, transcoder restarts, statistics',
    tags: ['monitoring'],
    params: { id: 'session' },
    responses: { '200': { description: 'The session.', body: Session }, ...readErrors },
    handle: async ({ params }, deps: RouteDeps) => jsonResponse(200, await getSession(monitoring(deps), params.id)),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/nodes',
    operationId: 'listNodes',
    summary: 'Ingest nodes with their load and status (healthy, degraded, unhealthy)',
    description: 'Every node that reported in the last day. A node silent for 30 s is `unhealthy`; CPU over 90 % or a transcoder behind realtime is `degraded`.',
    tags: ['monitoring'],
    responses: { '200': { description: 'The nodes, unhealthy first.', body: NodeList }, '401': 'Unauthorized', '500': 'InternalError' },
    handle: async (_input, deps: RouteDeps) => jsonResponse(200, { items: listNodeViews(await monitoring(deps).nodes.list(), deps.clock.now()) }, { 'cache-control': 'no-store' }),
  }),
];
