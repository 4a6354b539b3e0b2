/**
 * The webhooks API's route table: what each route accepts (zod, from schema.ts), what it answers, and
 * the core use case it calls. The router serves this table and openapi.ts documents it. Only create
 * and rotate-secret put a secret in the response; every other view is built without one (the view type
 * has no secret field).
 *
 * Must never: document or answer a secret anywhere but the create and rotate-secret responses.
 */
import type { Delivery, DeliveryAttempt } from '../../core/ports/webhook-store';
import {
  createWebhook,
  DEFAULT_PREVIOUS_SECRET_SECONDS,
  deleteWebhook,
  getDelivery,
  getWebhook,
  listDeliveryAttempts,
  listWebhooks,
  retryDelivery,
  rotateWebhookSecret,
  updateWebhook,
  type WebhookRegistryDeps,
} from '../../core/webhooks/registry';
import { toWebhookView } from '../../core/webhooks/webhooks';
import { component, defineRoute, type ApiRoute, type ResponseDoc } from '../shared/api-route';
import { emptyResponse, jsonResponse } from '../shared/json-response';
import {
  attemptList,
  createWebhookBody,
  DEFAULT_PAGE_LIMIT,
  deliveryView as deliveryViewSchema,
  emptyBody,
  MAX_WEBHOOK_BODY_BYTES,
  pageQuery,
  redeliveryQueued,
  rotateSecretBody,
  updateWebhookBody,
  webhookList,
  webhookView,
  webhookViewWithSecret,
} from './schema';

const Webhook = component('Webhook', webhookView);
const WebhookWithSecret = component('WebhookWithSecret', webhookViewWithSecret);
const WebhookList = component('WebhookList', webhookList);
const WebhookDelivery = component('WebhookDelivery', deliveryViewSchema);
const WebhookDeliveryAttemptList = component('WebhookDeliveryAttemptList', attemptList);
const WebhookRedelivery = component('WebhookRedelivery', redeliveryQueued);

const SECRET_ONCE =
  'The response holds the signing `secret` (`whsec_…`): it is shown only in this response and never again (every other webhook view omits it). Store it safely.';

const listErrors: Record<string, ResponseDoc> = { '400': 'BadRequest', '401': 'Unauthorized', '500': 'InternalError' };
const readErrors: Record<string, ResponseDoc> = { ...listErrors, '404': 'NotFound' };
// Own wording: this API caps bodies at 16 KiB, not the shared 64 KiB.
const bodyErrors: Record<string, ResponseDoc> = {
  '413': { problem: `The body is over ${MAX_WEBHOOK_BODY_BYTES / 1024} KiB (\`payload_too_large\`).` },
  '415': { problem: 'The body is not `application/json` (`unsupported_media_type`).' },
};
const concurrentChange: ResponseDoc = { problem: 'The endpoint kept changing concurrently; try again (`conflict`).' };
const tags = ['webhooks'];
const page = (query: { limit?: number | undefined; cursor?: string | undefined }) => ({ limit: query.limit ?? DEFAULT_PAGE_LIMIT, ...(query.cursor ? { cursor: query.cursor } : {}) });

export const webhooksRoutes: ReadonlyArray<ApiRoute<WebhookRegistryDeps>> = [
  defineRoute({
    method: 'POST',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    summary: 'Register a webhook endpoint',
    description:
      'The URL must be http(s), without credentials or fragment, and must not reach private, loopback or other internal addresses ' +
      `unless the plane allows them (the local plane allows loopback); a refused URL is a 400 \`validation\`. ${SECRET_ONCE}`,
    tags,
    body: createWebhookBody,
    bodyComponent: 'CreateWebhookInput',
    responses: {
      '201': { description: `Created. ${SECRET_ONCE}`, body: WebhookWithSecret, headers: { Location: 'Path of the new endpoint.' } },
      ...listErrors,
      '409': { problem: 'The maximum number of endpoints exists already (`conflict`).' },
      ...bodyErrors,
    },
    handle: async ({ body }, deps: WebhookRegistryDeps) => {
      const { endpoint, secret } = await createWebhook(deps, body);
      return jsonResponse(201, toWebhookView(endpoint, secret), { location: `/v1/webhooks/${endpoint.id}` });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    summary: 'List webhook endpoints, newest first',
    tags,
    query: pageQuery,
    responses: { '200': { description: `A page of endpoints (default ${DEFAULT_PAGE_LIMIT}); never with secrets.`, body: WebhookList }, ...listErrors },
    handle: async ({ query }, deps: WebhookRegistryDeps) => {
      const result = await listWebhooks(deps, page(query));
      return jsonResponse(200, { items: result.items.map((endpoint) => toWebhookView(endpoint)), ...(result.next ? { next: result.next } : {}) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhooks/{id}',
    operationId: 'getWebhook',
    summary: 'Get a webhook endpoint',
    tags,
    params: { id: 'webhook' },
    responses: { '200': { description: 'The endpoint (without its secret).', body: Webhook }, ...readErrors },
    handle: async ({ params }, deps: WebhookRegistryDeps) => jsonResponse(200, toWebhookView(await getWebhook(deps, params.id))),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/v1/webhooks/{id}',
    operationId: 'updateWebhook',
    summary: 'Change a webhook endpoint',
    description: 'Only the fields given change. `enabled: true` re-enables an endpoint disabled for failing; `description: null` removes it.',
    tags,
    params: { id: 'webhook' },
    body: updateWebhookBody,
    bodyComponent: 'UpdateWebhookInput',
    responses: { '200': { description: 'The updated endpoint (without its secret).', body: Webhook }, ...readErrors, '409': concurrentChange, ...bodyErrors },
    handle: async ({ params, body }, deps: WebhookRegistryDeps) => jsonResponse(200, toWebhookView(await updateWebhook(deps, params.id, body))),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    operationId: 'deleteWebhook',
    summary: 'Delete a webhook endpoint; nothing more is delivered to it',
    tags,
    params: { id: 'webhook' },
    responses: { '204': { description: 'Deleted.' }, ...readErrors },
    handle: async ({ params }, deps: WebhookRegistryDeps) => {
      await deleteWebhook(deps, params.id);
      return emptyResponse(204);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/webhooks/{id}/rotate-secret',
    operationId: 'rotateWebhookSecret',
    summary: 'Replace the signing secret',
    description:
      `The previous secret keeps signing, as a second signature, for \`keepPreviousSeconds\` (default ${DEFAULT_PREVIOUS_SECRET_SECONDS}) so receivers can switch without failures; 0 revokes it now. ` +
      SECRET_ONCE,
    tags,
    params: { id: 'webhook' },
    body: rotateSecretBody,
    bodyComponent: 'RotateWebhookSecretInput',
    responses: {
      '200': { description: `The endpoint with its new secret. ${SECRET_ONCE}`, body: WebhookWithSecret },
      ...readErrors,
      '409': concurrentChange,
      ...bodyErrors,
    },
    handle: async ({ params, body }, deps: WebhookRegistryDeps) => {
      const keep = body?.keepPreviousSeconds;
      const { endpoint, secret } = await rotateWebhookSecret(deps, params.id, keep === undefined ? {} : { keepPreviousSeconds: keep });
      return jsonResponse(200, toWebhookView(endpoint, secret));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveryAttempts',
    summary: "The endpoint's delivery log: one entry per attempt, newest first",
    tags,
    params: { id: 'webhook' },
    query: pageQuery,
    responses: { '200': { description: `A page of attempts (default ${DEFAULT_PAGE_LIMIT}).`, body: WebhookDeliveryAttemptList }, ...readErrors },
    handle: async ({ params, query }, deps: WebhookRegistryDeps) => {
      const result = await listDeliveryAttempts(deps, params.id, page(query));
      return jsonResponse(200, { items: result.items, ...(result.next ? { next: result.next } : {}) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}',
    operationId: 'getWebhookDelivery',
    summary: 'One delivery: its state, the event as delivered, and its attempts',
    tags,
    params: { id: 'webhook', deliveryId: 'delivery' },
    responses: { '200': { description: 'The delivery.', body: WebhookDelivery }, ...readErrors },
    handle: async ({ params }, deps: WebhookRegistryDeps) => {
      const { delivery, attempts } = await getDelivery(deps, params.id, params.deliveryId);
      return jsonResponse(200, deliveryView(delivery, attempts));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/retry',
    operationId: 'retryWebhookDelivery',
    summary: 'Queue one more attempt of a delivery now',
    description:
      'A delivery waiting for a retry gets it early; a dead-lettered one gets one more attempt. Takes no body (`{}` is tolerated). ' +
      'Poll the delivery for the outcome.',
    tags,
    params: { id: 'webhook', deliveryId: 'delivery' },
    body: emptyBody,
    responses: {
      '202': { description: 'Queued.', body: WebhookRedelivery, headers: { Location: 'Path of the delivery.' } },
      ...readErrors,
      '409': { problem: 'The endpoint is disabled (`disabled`), or the delivery already succeeded or has an attempt in progress (`conflict`).' },
      ...bodyErrors,
    },
    handle: async ({ params }, deps: WebhookRegistryDeps) => {
      const queued = await retryDelivery(deps, params.id, params.deliveryId);
      return jsonResponse(202, { ...queued, status: 'queued' }, { location: `/v1/webhooks/${params.id}/deliveries/${params.deliveryId}` });
    },
  }),
];

function deliveryView(delivery: Delivery, attempts: DeliveryAttempt[]) {
  let event: unknown;
  try {
    event = JSON.parse(delivery.body);
  } catch {
    event = undefined;
  }
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    streamId: delivery.streamId,
    status: delivery.status,
    attempts: delivery.lastAttempt,
    ...(delivery.nextAttemptAt ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
    ...(delivery.lastStatusCode !== undefined ? { lastStatusCode: delivery.lastStatusCode } : {}),
    ...(delivery.lastError ? { lastError: delivery.lastError } : {}),
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    event,
    attemptLog: attempts,
  };
}
