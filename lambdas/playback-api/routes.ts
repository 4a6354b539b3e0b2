/**
 * The playback API's route table: playback keys (the public keys viewer tokens are verified with) and
 * viewer revocations. Served by the shared router; openapi.ts documents it.
 *
 * Must never answer a private key anywhere but the create response of a generated key.
 */
import {
  createPlaybackKey,
  deletePlaybackKey,
  getPlaybackKey,
  listPlaybackKeys,
  listRevocations,
  revokeViewer,
  toPlaybackKeyView,
  type PlaybackRegistryDeps,
} from '../../core/playback/registry';
import { component, defineRoute, type ApiRoute, type ResponseDoc } from '../shared/api-route';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import { createPlaybackKeyBody, MAX_PLAYBACK_BODY_BYTES, playbackKeyList, playbackKeyView, playbackKeyWithPrivate, revocationList, revocationView, revokeViewerBody } from './schema';

const PlaybackKey = component('PlaybackKey', playbackKeyView);
const PlaybackKeyWithPrivate = component('PlaybackKeyWithPrivate', playbackKeyWithPrivate);
const PlaybackKeyList = component('PlaybackKeyList', playbackKeyList);
const Revocation = component('PlaybackRevocation', revocationView);
const RevocationList = component('PlaybackRevocationList', revocationList);

const listErrors: Record<string, ResponseDoc> = { '400': 'BadRequest', '401': 'Unauthorized', '500': 'InternalError' };
const readErrors: Record<string, ResponseDoc> = { ...listErrors, '404': 'NotFound' };
const bodyErrors: Record<string, ResponseDoc> = {
  '413': { problem: `The body is over ${MAX_PLAYBACK_BODY_BYTES / 1024} KiB (\`payload_too_large\`).` },
  '415': { problem: 'The body is not `application/json` (`unsupported_media_type`).' },
};
const tags = ['playback'];
const EDGE = 'Reaches the CDN edge within a minute (its KeyValueStore is updated on every change).';

export const playbackRoutes: ReadonlyArray<ApiRoute<PlaybackRegistryDeps>> = [
  defineRoute({
    method: 'POST',
    path: '/v1/playback-keys',
    operationId: 'createPlaybackKey',
    summary: 'Create a playback key (ES256) for signing viewer tokens',
    description:
      'Without a body (or `{}`) the plane generates a P-256 key pair and returns the private key (PEM) in this response only; it is not stored. ' +
      'With `{"publicKey": PEM}` it registers a key you generated. Sign viewer tokens with the private key: header `kid` = `id`, `alg` = `ES256`.',
    tags,
    body: createPlaybackKeyBody,
    bodyComponent: 'CreatePlaybackKeyInput',
    responses: {
      '201': { description: 'Created. A generated key carries `privateKey`, shown only now.', body: PlaybackKeyWithPrivate, headers: { Location: 'Path of the new key.' } },
      ...listErrors,
      '409': { problem: 'The maximum number of playback keys exists already (`conflict`).' },
      ...bodyErrors,
    },
    handle: async ({ body }, deps: PlaybackRegistryDeps) => {
      const { key, privateKey } = await createPlaybackKey(deps, { publicKey: body?.publicKey });
      return jsonResponse(201, toPlaybackKeyView(key, privateKey), { location: `/v1/playback-keys/${key.id}` });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/playback-keys',
    operationId: 'listPlaybackKeys',
    summary: 'List playback keys (public parts only), oldest first',
    tags,
    responses: { '200': { description: 'Every key.', body: PlaybackKeyList }, ...listErrors },
    handle: async (_input, deps: PlaybackRegistryDeps) => jsonResponse(200, { items: (await listPlaybackKeys(deps)).map((k) => toPlaybackKeyView(k)) }),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/playback-keys/{id}',
    operationId: 'getPlaybackKey',
    summary: 'Get a playback key (public part only)',
    tags,
    params: { id: 'playbackKey' },
    responses: { '200': { description: 'The key.', body: PlaybackKey }, ...readErrors },
    handle: async ({ params }, deps: PlaybackRegistryDeps) => jsonResponse(200, toPlaybackKeyView(await getPlaybackKey(deps, params.id))),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/playback-keys/{id}',
    operationId: 'deletePlaybackKey',
    summary: 'Delete a playback key; tokens signed by it stop working',
    description: `Refused at once by the local origin. ${EDGE}`,
    tags,
    params: { id: 'playbackKey' },
    responses: { '204': { description: 'Deleted.' }, ...readErrors },
    handle: async ({ params }, deps: PlaybackRegistryDeps) => {
      await deletePlaybackKey(deps, params.id);
      return emptyResponse(204);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/playback-revocations',
    operationId: 'revokePlaybackViewer',
    summary: "Block a viewer's tokens (by their `viewerId` claim)",
    description: `Every token with this \`viewerId\` is refused until \`until\` (default: 7 days, longer than any token lives), including playback already under way at its next playlist fetch. ${EDGE}`,
    tags,
    body: revokeViewerBody,
    bodyComponent: 'RevokePlaybackViewerInput',
    responses: { '201': { description: 'The revocation in force.', body: Revocation }, ...listErrors, ...bodyErrors },
    handle: async ({ body }, deps: PlaybackRegistryDeps) => jsonResponse(201, await revokeViewer(deps, body)),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/playback-revocations',
    operationId: 'listPlaybackRevocations',
    summary: 'Revocations in force',
    tags,
    responses: { '200': { description: 'Every revocation whose `until` lies ahead.', body: RevocationList }, ...listErrors },
    handle: async (_input, deps: PlaybackRegistryDeps) => jsonResponse(200, { items: await listRevocations(deps) }),
  }),
];

/** The paths this API serves (the local plane routes them here). */
export function isPlaybackApiPath(path: string): boolean {
  return path === '/v1/playback-keys' || path.startsWith('/v1/playback-keys/') || path === '/v1/playback-revocations';
}
