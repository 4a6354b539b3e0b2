/**
 * The recordings API's part of the OpenAPI document, generated from its route table (the zod schemas
 * the routes parse with and answer in). The control API's document merges it in; errors refer to that
 * document's shared problem responses by name.
 */
import { openApiFragment, type ApiFragment } from '../shared/openapi';
import { recordingsRoutes } from './routes';

export function recordingsOpenApi(): ApiFragment {
  return openApiFragment({ name: 'recordings', description: 'Every session of a recorded stream becomes a VOD (see docs/recordings.md).' }, recordingsRoutes);
}
