/**
 * The simulcast targets API's part of the OpenAPI document, generated from its route table. The control
 * API's document merges it in.
 */
import { openApiFragment, type ApiFragment } from '../shared/openapi';
import { simulcastRoutes } from './routes';

export function simulcastOpenApi(): ApiFragment {
  return openApiFragment(
    { name: 'simulcast', description: 'Simulcast targets: while a stream is live its source is relayed, without re-encoding, to each enabled target (YouTube, Twitch, Facebook, any RTMP(S) server).' },
    simulcastRoutes,
  );
}
