/**
 * The control API's pull routes: start a pulled stream (idempotent), and stop every pull. `end` is the
 * stream's ordinary end route (routes.ts), which stops a pull too. Each route validates the id, calls one
 * core use case and maps the result; the stream view masks the source URL.
 */
import { StreamplaneError } from '../../core/errors';
import { startPull, stopAllPulls } from '../../core/pulls/pull-control';
import { toStreamView } from '../../core/streams/stream';
import { component, defineRoute, type ApiRoute, type ResponseDoc } from '../shared/api-route';
import { jsonResponse } from '../shared/json-response';
import type { RouteDeps } from './routes';
import { urlsOf } from './cell-urls';
import { emptyBody, stopPullsResult, streamView } from './schema';

const tags = ['streams'];
const errors: Record<string, ResponseDoc> = { '400': 'BadRequest', '401': 'Unauthorized', '404': 'NotFound', '409': 'Conflict', '413': 'PayloadTooLarge', '415': 'UnsupportedMediaType', '500': 'InternalError' };
const StopPullsResult = component('StopPullsResult', stopPullsResult);
const Stream = component('Stream', streamView);

export const pullRoutes: ReadonlyArray<ApiRoute<RouteDeps>> = [
  defineRoute({
    method: 'POST',
    path: '/v1/streams/stop-pulls',
    operationId: 'stopPulls',
    summary: 'Stop every pull',
    description: 'Stops every queued or running pull (their sessions end as with `end`) and says how many.',
    tags,
    body: emptyBody,
    responses: { '200': { description: 'How many pulls were stopped.', body: StopPullsResult }, ...errors },
    handle: async (_input, deps: RouteDeps) => jsonResponse(200, await stopAllPulls(deps)),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/streams/{id}/start',
    operationId: 'startStream',
    summary: 'Start pulling a stream from its source',
    description:
      'Queues the pull of a stream created with `source`. It runs at once when a pull slot is free (`pull.state` `starting` → `pulling`, the stream `connected` → `live`), ' +
      'otherwise it stays `queued` until one frees. Starting a stream that is already queued or pulling returns its current state and starts nothing.',
    tags,
    params: { id: 'stream' },
    body: emptyBody,
    responses: { '202': { description: 'The pull was queued.', body: Stream }, '200': { description: 'Already queued or pulling: the current state.', body: Stream }, ...errors, '503': { problem: 'Pull sources are not configured on this plane.' } },
    handle: async ({ params }, deps: RouteDeps) => {
      if (!deps.pullJobs) throw new StreamplaneError('unavailable', 'Pull sources are not configured on this plane.');
      const { stream, queued } = await startPull({ ...deps, pullJobs: deps.pullJobs }, params.id);
      return jsonResponse(queued ? 202 : 200, toStreamView(stream, urlsOf(deps, stream)));
    },
  }),
];
