/**
 * The webhooks API's part of the OpenAPI document, generated from its route table (the zod schemas the
 * routes parse with and answer in). The control API's document merges it in.
 *
 * Must never: document a secret anywhere but the create and rotate-secret responses (routes.ts decides).
 */
import { openApiFragment, type ApiFragment } from '../shared/openapi';
import { webhooksRoutes } from './routes';

export function webhooksOpenApi(): ApiFragment {
  return openApiFragment(
    {
      name: 'webhooks',
      description: 'Endpoints that receive the events they subscribe to as signed POSTs (Standard Webhooks), with their delivery log and manual redelivery.',
    },
    webhooksRoutes,
  );
}
