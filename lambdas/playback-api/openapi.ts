/**
 * The playback API's part of the OpenAPI document, generated from its route table. The control API's
 * document merges it in.
 *
 * Must never document a private key anywhere but the create response (routes.ts decides).
 */
import { openApiFragment, type ApiFragment } from '../shared/openapi';
import { playbackRoutes } from './routes';

export function playbackOpenApi(): ApiFragment {
  return openApiFragment(
    { name: 'playback', description: 'Playback keys and viewer revocations for streams and recordings with `playbackPolicy: "signed"` (see docs/playback.md).' },
    playbackRoutes,
  );
}
