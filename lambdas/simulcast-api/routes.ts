/**
 * The simulcast targets API's route table (`/v1/streams/{id}/simulcast-targets[/{targetId}]`): what each
 * route accepts (zod, from schema.ts), what it answers, and the core use case it calls. The router serves
 * this table and openapi.ts documents it. Every answer is built by `toTargetView`, which has no key field.
 *
 * Must never: answer, document or log a stream key.
 */
import { createTarget, deleteTarget, getTarget, listTargets, updateTarget, type SimulcastRegistryDeps } from '../../core/relays/registry';
import { toTargetView } from '../../core/relays/target';
import { component, defineRoute, type ApiRoute, type ResponseDoc } from '../shared/api-route';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import { createTargetBody, MAX_SIMULCAST_BODY_BYTES, targetList, targetView, updateTargetBody } from './schema';

export interface SimulcastApiRouteDeps extends SimulcastRegistryDeps {
  /** Told after every change, so a live stream's relays follow at once (the local plane); the cloud ingest polls. */
  onTargetsChanged?: (streamId: string) => void;
}

const Target = component('SimulcastTarget', targetView);
const TargetList = component('SimulcastTargetList', targetList);

const listErrors: Record<string, ResponseDoc> = { '400': 'BadRequest', '401': 'Unauthorized', '404': 'NotFound', '500': 'InternalError' };
const bodyErrors: Record<string, ResponseDoc> = {
  '413': { problem: `The body is over ${MAX_SIMULCAST_BODY_BYTES / 1024} KiB (\`payload_too_large\`).` },
  '415': { problem: 'The body is not `application/json` (`unsupported_media_type`).' },
};
const tags = ['simulcast'];
const BASE = '/v1/streams/{id}/simulcast-targets';
const WRITE_ONLY = '`streamKey` is write-only: it is stored encrypted and never appears in a response, listing, event or log.';

export const SIMULCAST_PATH = /^\/v1\/streams\/[^/]+\/simulcast-targets(\/[^/]+)?$/;
export const isSimulcastApiPath = (path: string) => SIMULCAST_PATH.test(path);

export const simulcastRoutes: ReadonlyArray<ApiRoute<SimulcastApiRouteDeps>> = [
  defineRoute({
    method: 'POST',
    path: BASE,
    operationId: 'createSimulcastTarget',
    summary: 'Add a simulcast target to a stream',
    description:
      'While the stream is live the plane relays its source, as received (no re-encode), to `url` + `/` + `streamKey` — the way OBS pairs a server and a key. ' +
      'The URL must be rtmp:// or rtmps:// without credentials or fragment and must not reach private, loopback or other internal addresses ' +
      `unless the plane allows them (the local plane allows loopback); a refused URL is a 400 \`validation\` and nothing is stored. ${WRITE_ONLY}`,
    tags,
    params: { id: 'stream' },
    body: createTargetBody,
    bodyComponent: 'CreateSimulcastTargetInput',
    responses: {
      '201': { description: 'Created (without the key).', body: Target, headers: { Location: 'Path of the new target.' } },
      ...listErrors,
      '409': { problem: 'The stream has the maximum number of targets (10 by default) (`conflict`).' },
      ...bodyErrors,
    },
    handle: async ({ params, body }, deps: SimulcastApiRouteDeps) => {
      const target = await createTarget(deps, params.id, body);
      deps.onTargetsChanged?.(params.id);
      return jsonResponse(201, toTargetView(target), { location: `/v1/streams/${params.id}/simulcast-targets/${target.id}` });
    },
  }),
  defineRoute({
    method: 'GET',
    path: BASE,
    operationId: 'listSimulcastTargets',
    summary: "A stream's simulcast targets with their relay status, oldest first",
    tags,
    params: { id: 'stream' },
    responses: { '200': { description: 'Every target of the stream (never with keys).', body: TargetList }, ...listErrors },
    handle: async ({ params }, deps: SimulcastApiRouteDeps) => jsonResponse(200, { items: (await listTargets(deps, params.id)).map(toTargetView) }),
  }),
  defineRoute({
    method: 'GET',
    path: `${BASE}/{targetId}`,
    operationId: 'getSimulcastTarget',
    summary: 'Get a simulcast target and its relay status',
    tags,
    params: { id: 'stream', targetId: 'simulcastTarget' },
    responses: { '200': { description: 'The target (without its key).', body: Target }, ...listErrors },
    handle: async ({ params }, deps: SimulcastApiRouteDeps) => jsonResponse(200, toTargetView(await getTarget(deps, params.id, params.targetId))),
  }),
  defineRoute({
    method: 'PATCH',
    path: `${BASE}/{targetId}`,
    operationId: 'updateSimulcastTarget',
    summary: 'Change a simulcast target',
    description: `Only the fields given change. Enabling or disabling while live starts or stops this target's relay only; a new URL or key restarts it. ${WRITE_ONLY}`,
    tags,
    params: { id: 'stream', targetId: 'simulcastTarget' },
    body: updateTargetBody,
    bodyComponent: 'UpdateSimulcastTargetInput',
    responses: { '200': { description: 'The updated target (without its key).', body: Target }, ...listErrors, ...bodyErrors },
    handle: async ({ params, body }, deps: SimulcastApiRouteDeps) => {
      const target = await updateTarget(deps, params.id, params.targetId, body);
      deps.onTargetsChanged?.(params.id);
      return jsonResponse(200, toTargetView(target));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: `${BASE}/{targetId}`,
    operationId: 'deleteSimulcastTarget',
    summary: 'Remove a simulcast target; its relay stops if the stream is live',
    tags,
    params: { id: 'stream', targetId: 'simulcastTarget' },
    responses: { '204': { description: 'Deleted.' }, ...listErrors },
    handle: async ({ params }, deps: SimulcastApiRouteDeps) => {
      await deleteTarget(deps, params.id, params.targetId);
      deps.onTargetsChanged?.(params.id);
      return emptyResponse(204);
    },
  }),
];
