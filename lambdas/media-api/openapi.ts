/**
 * The media library API's part of the OpenAPI document, generated from its route table. The control
 * API's document merges it in; errors refer to that document's shared problem responses by name.
 */
import { openApiFragment, type ApiFragment } from '../shared/openapi';
import { mediaRoutes } from './routes';

export function mediaOpenApi(): ApiFragment {
  return openApiFragment({ name: 'media', description: 'Uploaded files for 24/7 channels: fallback playout and slates (see docs/channels.md).' }, mediaRoutes);
}
